import type { InferenceSession } from 'onnxruntime-common';
import { describe, expect, it } from 'vitest';
import { checkSignature, OrtSegmenter, type TensorClass } from '../../../runtime/common/ort-segmenter.ts';
import type { ModelInfo } from '../../../runtime/segmenter.ts';

const INFO = {
  classes: ['a', 'b'],
  colors: ['#000000', '#ffffff'],
  normalization: 'unit-sphere',
} as unknown as ModelInfo;

/** A tensor as far as the segmenter uses one. */
class FakeTensor {
  constructor(
    readonly type: string,
    readonly data: Float32Array | BigInt64Array,
    readonly dims: readonly number[],
  ) {}
  dispose(): void {}
}

/** A session that labels every point 1 (probabilities 0.25/0.75), recording the batch sizes it ran. */
function fakeSession() {
  const batches: number[] = [];
  let running = 0;
  let overlapped = false;
  let released = false;
  const session = {
    inputNames: ['points'],
    outputNames: ['probabilities', 'labels'],
    async run(feeds: Record<string, FakeTensor>) {
      if (running++ > 0) overlapped = true;
      await new Promise((r) => setTimeout(r, 5));
      running--;
      const [b, n] = feeds.points!.dims as [number, number];
      batches.push(b);
      const probabilities = new Float32Array(b * n * 2).map((_, i) => (i % 2 === 0 ? 0.25 : 0.75));
      return {
        probabilities: new FakeTensor('float32', probabilities, [b, n, 2]),
        labels: new FakeTensor('int64', new BigInt64Array(b * n).fill(1n), [b, n]),
      };
    },
    async release() {
      released = true;
    },
  };
  return {
    session: session as unknown as InferenceSession,
    batches,
    overlapped: () => overlapped,
    released: () => released,
  };
}

const cloud = (n: number): Float32Array => Float32Array.from({ length: 3 * n }, (_, i) => (i % 3) + i / 100);

function segmenterOver(fake: ReturnType<typeof fakeSession>, maxBatch = 8): OrtSegmenter {
  return new OrtSegmenter({
    session: fake.session,
    Tensor: FakeTensor as unknown as TensorClass,
    info: INFO,
    executionProvider: 'cpu',
    maxBatch,
  });
}

describe('checkSignature', () => {
  it('names the missing contract tensor and what the graph has instead', () => {
    expect(() => checkSignature({ inputNames: ['points'], outputNames: ['scores', 'labels'] }, 'm.onnx')).toThrow(
      'the graph does not follow the pnet contract: missing output "probabilities" (it has inputs points; outputs scores, labels)',
    );
    expect(() => checkSignature({ inputNames: ['xyz'], outputNames: ['probabilities', 'labels'] }, 'm.onnx')).toThrow(
      /missing input "points"/,
    );
  });

  it('accepts a graph with the contract tensors', () => {
    expect(() =>
      checkSignature({ inputNames: ['points'], outputNames: ['labels', 'probabilities', 'extra'] }, 'm.onnx'),
    ).not.toThrow();
  });
});

describe('OrtSegmenter', () => {
  it('batches clouds of equal size, keeps their order, and narrows labels to int32', async () => {
    const fake = fakeSession();
    const results = await segmenterOver(fake, 2).segmentMany([cloud(4), cloud(5), cloud(4), cloud(4)]);
    expect(fake.batches).toEqual([2, 1, 1]);
    expect(results.map((r) => r.numPoints)).toEqual([4, 5, 4, 4]);
    expect(results[1]!.labels).toEqual(new Int32Array(5).fill(1));
    expect(results[0]!.executionProvider).toBe('cpu');
  });

  it('runs one batch at a time even when called concurrently', async () => {
    const fake = fakeSession();
    const segmenter = segmenterOver(fake);
    await Promise.all([
      segmenter.segment(cloud(4)),
      segmenter.segment(cloud(6)),
      segmenter.segmentMany([cloud(3), cloud(3)]),
    ]);
    expect(fake.overlapped()).toBe(false);
    await segmenter.dispose();
    expect(fake.released()).toBe(true);
  });

  it('says which cloud of a call is bad, before running any', async () => {
    const fake = fakeSession();
    await expect(segmenterOver(fake).segmentMany([cloud(4), new Float32Array(4)])).rejects.toThrow(
      /^cloud 2 of 2: a cloud is a list of xyz triples/,
    );
    expect(fake.batches).toEqual([]);
  });
});
