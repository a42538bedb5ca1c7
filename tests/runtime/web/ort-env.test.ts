/**
 * `ort.env` belongs to every ONNX Runtime user of the page: `pnet/web`'s createSegmenter sets
 * `ort.env.wasm.wasmPaths` only when the caller passes `wasmPaths`, and otherwise leaves what the page set.
 * Run on onnxruntime-web's WASM build inside Node.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterEach, describe, expect, it } from 'vitest';
import { createSegmenter } from '../../../runtime/web/web-segmenter.ts';
import { linearPnetModel } from '../node/onnx-fixtures.ts';
import { REPO_ROOT } from '../../paths.ts';

const ORT_FILES = pathToFileURL(join(REPO_ROOT, 'node_modules/onnxruntime-web/dist/')).href;
const model = () =>
  linearPnetModel({
    weights: Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1),
    classes: ['a', 'b', 'c'],
    colors: ['#ff0000', '#00ff00', '#0000ff'],
  });
const before = ort.env.wasm.wasmPaths;
afterEach(() => {
  ort.env.wasm.wasmPaths = before;
});

describe('pnet/web and ort.env', () => {
  it('leaves the wasmPaths the page set when given none', async () => {
    // The page's own setting, in the per-file form createSegmenter never writes, so a rewrite shows.
    ort.env.wasm.wasmPaths = {
      mjs: `${ORT_FILES}ort-wasm-simd-threaded.jsep.mjs`,
      wasm: `${ORT_FILES}ort-wasm-simd-threaded.jsep.wasm`,
    };
    const set = ort.env.wasm.wasmPaths;
    const seg = await createSegmenter(model(), { executionProviders: ['wasm'], numThreads: 1 });
    try {
      expect(ort.env.wasm.wasmPaths).toBe(set);
      expect((await seg.segment(Float32Array.of(0, 0, 0, 2, 0, 0))).labels.length).toBe(2);
    } finally {
      await seg.dispose();
    }
  });

  it('sets the wasmPaths it is given', async () => {
    const seg = await createSegmenter(model(), { executionProviders: ['wasm'], numThreads: 1, wasmPaths: ORT_FILES });
    await seg.dispose();
    expect(ort.env.wasm.wasmPaths).toBe(ORT_FILES);
  });
});
