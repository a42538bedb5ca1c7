/**
 * `pnet/web`'s createSegmenter runs the same load-time probe as Node (runtime/common/ort-segmenter.ts): a model
 * whose outputs disagree with its metadata or the contract's element types is refused when it loads, with a
 * BAD_MODEL naming it, not with a RangeError (or raw float16 bits) from every `segment`. Run on onnxruntime-web's
 * WASM build inside Node.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPnetError } from '../../../src/core/errors.ts';
import { createSegmenter } from '../../../runtime/web/web-segmenter.ts';
import { linearPnetModel, type LinearModelOptions } from '../node/onnx-fixtures.ts';
import { REPO_ROOT } from '../../paths.ts';

const options = {
  executionProviders: ['wasm'],
  // onnxruntime-web's own files; one thread is what its WASM build supports in Node.
  wasmPaths: pathToFileURL(join(REPO_ROOT, 'node_modules/onnxruntime-web/dist/')).href,
  numThreads: 1,
};
const base: LinearModelOptions = {
  weights: Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1),
  classes: ['a', 'b', 'c'],
  colors: ['#ff0000', '#00ff00', '#0000ff'],
};
const CLOUD = Float32Array.of(0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2);

describe('pnet/web createSegmenter probes the model at load', () => {
  it('a contract model loads and segments (float32 probabilities)', async () => {
    const seg = await createSegmenter(linearPnetModel(base), options);
    try {
      const r = await seg.segment(CLOUD);
      expect(r.probabilities).toBeInstanceOf(Float32Array);
      expect(Array.from(r.labels)).toEqual([0, 0, 1, 2]);
    } finally {
      await seg.dispose();
    }
  });

  it('is released by `await using`; a later call is a PnetError, as in Node', async () => {
    let kept: Awaited<ReturnType<typeof createSegmenter>> | undefined;
    {
      await using seg = await createSegmenter(linearPnetModel(base), options);
      kept = seg;
      expect(Array.from((await seg.segment(CLOUD)).labels)).toEqual([0, 0, 1, 2]);
    }
    const refused = await kept.segment(CLOUD).catch((e: unknown) => e);
    expect(isPnetError(refused) && refused.code).toBe('RUN_FAILED');
  });

  const bad: Array<[string, LinearModelOptions, RegExp]> = [
    [
      'four class names for three classes of output',
      {
        ...base,
        metadata: {
          'pnet.classes': JSON.stringify(['a', 'b', 'c', 'd']),
          'pnet.colors': JSON.stringify(['#ff0000', '#00ff00', '#0000ff', '#ffffff']),
        },
      },
      /outputs disagree with its metadata: .* pnet\.classes names 4 classes/,
    ],
    ['float16 probabilities', { ...base, float16Probabilities: true }, /output "probabilities" is float16/],
  ];
  for (const [what, model, message] of bad) {
    it(`refuses ${what} at load with BAD_MODEL`, async () => {
      const error = await createSegmenter(linearPnetModel(model), options).then(
        async (seg) => {
          await seg.dispose();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(isPnetError(error) && error.code, String(error)).toBe('BAD_MODEL');
      expect((error as Error).message).toMatch(message);
    });
  }
});
