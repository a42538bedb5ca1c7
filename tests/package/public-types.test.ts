/**
 * `pnet`'s public types stay those of the code behind them. The exporter's option and report types live in
 * exporters/onnx/export-types.ts (so the public .d.ts reaches no onnx-proto), and src/on-demand.ts wraps the training side with
 * signatures of its own: the type check (`tsc -p tsconfig.json`, part of `npm test`) fails here when they drift.
 * The assertions are checked by the compiler; at run time they do nothing.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type * as pnet from '../../src/index.ts';
import type * as onnx from '../../exporters/onnx/index.ts';
import type * as trainer from '../../src/train/index.ts';
import type * as evaluator from '../../src/eval/index.ts';
import type * as infer from '../../src/infer/index.ts';

describe("pnet's public types", () => {
  it('are the exporter’s own option and report types', () => {
    expectTypeOf<pnet.OnnxExportInput>().toEqualTypeOf<onnx.OnnxExportInput>();
    expectTypeOf<pnet.OnnxExportOptions>().toEqualTypeOf<onnx.OnnxExportOptions>();
    expectTypeOf<pnet.OnnxDescription>().toEqualTypeOf<onnx.OnnxDescription>();
    expectTypeOf<pnet.ExportReport>().toEqualTypeOf<onnx.ExportReport>();
  });

  it('wrap functions that take what the wrapped ones take and give what they give', () => {
    expectTypeOf<typeof pnet.exportCheckpointToOnnx>().returns.toEqualTypeOf<
      ReturnType<typeof onnx.exportCheckpointToOnnx>
    >();
    expectTypeOf<Parameters<typeof pnet.exportCheckpointToOnnx>>().toEqualTypeOf<
      Parameters<typeof onnx.exportCheckpointToOnnx>
    >();
    expectTypeOf<Parameters<typeof pnet.buildOnnxModel>>().toEqualTypeOf<Parameters<typeof onnx.buildOnnxModel>>();
    expectTypeOf<Parameters<typeof pnet.describeOnnx>>().toEqualTypeOf<Parameters<typeof onnx.describeOnnx>>();
    expectTypeOf<typeof pnet.evaluate>().toEqualTypeOf<typeof evaluator.evaluate>();
    expectTypeOf<typeof pnet.inferFiles>().toEqualTypeOf<typeof infer.inferFiles>();
    // The public train() takes the union; every member of it is something the trainer accepts.
    expectTypeOf<pnet.TrainOptions>().toMatchTypeOf<Parameters<typeof trainer.train>[0]>();
    expectTypeOf<typeof pnet.train>().returns.toEqualTypeOf<ReturnType<typeof trainer.train>>();
  });
});
