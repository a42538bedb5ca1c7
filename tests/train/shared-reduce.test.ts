import { describe, expect, it } from 'vitest';
import {
  abortReductions,
  allocateReduceBuffers,
  resetReductions,
  SharedReducer,
} from '../../src/train/parallel/shared-reduce.ts';

describe('shared-memory reductions', () => {
  it('give a lone worker its own values back, through both regions', () => {
    const buffers = allocateReduceBuffers(2, 4, 16);
    const reducer = new SharedReducer(buffers, 0, 1);
    expect(reducer.allReduce(Float32Array.from([1, 2, 3]))).toEqual(Float32Array.from([1, 2, 3]));
    const wide = Float32Array.from({ length: 10 }, (_, i) => i * 0.5);
    expect(reducer.allReduce(wide)).toEqual(wide);
    expect(() => reducer.allReduce(new Float32Array(17))).toThrow(/exceeds the shared buffer/);
  });

  it('gather every worker vector in worker order, alternating with sums through the same small region', () => {
    const buffers = allocateReduceBuffers(2, 4, 16);
    const reducer = new SharedReducer(buffers, 0, 1);
    expect(reducer.allGather(Float32Array.from([5, 6]))).toEqual([Float32Array.from([5, 6])]);
    expect(reducer.allReduce(Float32Array.from([1, 2, 3]))).toEqual(Float32Array.from([1, 2, 3]));
    expect(reducer.allGather(Float32Array.from([7]))).toEqual([Float32Array.from([7])]);
    expect(() => reducer.allGather(new Float32Array(5))).toThrow(/exceeds the shared buffer/);
  });

  it('stop waiting with a clear error once a worker has failed, until reset', () => {
    const buffers = allocateReduceBuffers(2, 4, 16);
    // Rank 0 of two: without the abort flag this would wait for rank 1 forever.
    const reducer = new SharedReducer(buffers, 0, 2);
    abortReductions(buffers);
    expect(() => reducer.allReduce(Float32Array.from([1]))).toThrow(
      expect.objectContaining({ code: 'PARTIAL_FAILURE' }),
    );
    resetReductions(buffers);
    expect(new SharedReducer(buffers, 0, 1).allReduce(Float32Array.from([4]))).toEqual(Float32Array.from([4]));
  });

  it('refuse a rank outside the buffers', () => {
    expect(() => new SharedReducer(allocateReduceBuffers(2, 4, 4), 2, 3)).toThrow(/does not fit/);
  });
});
