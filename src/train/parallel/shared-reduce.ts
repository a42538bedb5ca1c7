/**
 * Sums across the workers of one training step through shared memory: each worker writes its vector into its own
 * slot of a SharedArrayBuffer, waits at a barrier (Atomics), then sums every slot in worker order, so all of them
 * get bit-identical sums and stay in lockstep without a message per reduction.
 *
 * Two regions: a small double-buffered one for batch-norm statistics (dozens of reductions per step; alternating
 * buffers make one barrier per reduction safe), and a large one for the gradients (one reduction per step, with a
 * second barrier before anyone may write it again). A worker that fails raises the shared abort flag, and every
 * worker waiting at a barrier then throws instead of waiting forever.
 */
import type { ColumnReducer } from '../../model/ops.ts';
import { PnetError } from '../../core/errors.ts';

const COUNT = 0;
const GENERATION = 1;
const ABORT = 2;
/** How often a waiting worker looks at the abort flag. */
const POLL_MS = 200;

// Declared beside the worker messages, which carry it, so the public types reach no TF.js declaration.
export type { SharedReduceBuffers } from './protocol.ts';
import type { SharedReduceBuffers } from './protocol.ts';

export function allocateReduceBuffers(slots: number, smallLength: number, largeLength: number): SharedReduceBuffers {
  return {
    control: new SharedArrayBuffer(3 * 4),
    small: new SharedArrayBuffer(2 * slots * smallLength * 4),
    large: new SharedArrayBuffer(slots * largeLength * 4),
    slots,
    smallLength,
    largeLength,
  };
}

/** Raises the abort flag: every worker waiting at a barrier, now or later, throws. */
export function abortReductions(buffers: SharedReduceBuffers): void {
  const control = new Int32Array(buffers.control);
  Atomics.store(control, ABORT, 1);
  Atomics.add(control, GENERATION, 1);
  Atomics.notify(control, GENERATION);
}

/** Clears the abort flag and the barrier (between steps, when no worker is inside one). */
export function resetReductions(buffers: SharedReduceBuffers): void {
  const control = new Int32Array(buffers.control);
  Atomics.store(control, COUNT, 0);
  Atomics.store(control, ABORT, 0);
}

const sums = new WeakMap<SharedArrayBuffer, Float32Array>();

/** This thread's buffer for the sums of `large`, kept across steps. */
function reusedSum(large: SharedArrayBuffer, length: number): Float32Array {
  let sum = sums.get(large);
  if (!sum || sum.length < length) {
    sum = new Float32Array(length);
    sums.set(large, sum);
  }
  return sum.subarray(0, length);
}

/** One worker's side of the reductions of a step with `workers` participants; `rank` is its slot. */
export class SharedReducer implements ColumnReducer {
  private readonly control: Int32Array;
  private readonly small: Float32Array;
  private readonly large: Float32Array;
  private smallCalls = 0;

  constructor(
    private readonly buffers: SharedReduceBuffers,
    readonly rank: number,
    readonly workers: number,
  ) {
    if (workers > buffers.slots || rank >= workers)
      throw new Error(`reducer rank ${rank} of ${workers} does not fit ${buffers.slots} slots`);
    this.control = new Int32Array(buffers.control);
    this.small = new Float32Array(buffers.small);
    this.large = new Float32Array(buffers.large);
  }

  allReduce(values: Float32Array): Float32Array {
    const { smallLength, slots } = this.buffers;
    if (values.length > smallLength) return this.allReduceLarge(values.length, (slot) => slot.set(values)).slice();
    const base = (this.smallCalls++ % 2) * slots * smallLength;
    this.small.set(values, base + this.rank * smallLength);
    this.barrier();
    const sum = new Float32Array(values.length);
    for (let w = 0; w < this.workers; w++) {
      const slot = this.small.subarray(base + w * smallLength, base + w * smallLength + values.length);
      for (let i = 0; i < sum.length; i++) sum[i]! += slot[i]!;
    }
    return sum;
  }

  /** Every worker's vector, in worker order (each at most the small region's length). */
  allGather(values: Float32Array): Float32Array[] {
    const { smallLength, slots } = this.buffers;
    if (values.length > smallLength)
      throw new Error(`a gather of ${values.length} values exceeds the shared buffer (${smallLength})`);
    const base = (this.smallCalls++ % 2) * slots * smallLength;
    this.small.set(values, base + this.rank * smallLength);
    this.barrier();
    return Array.from({ length: this.workers }, (_, w) =>
      this.small.slice(base + w * smallLength, base + w * smallLength + values.length),
    );
  }

  /**
   * Sums a vector too long for the small region, written by `fill` straight into this worker's slot of the large
   * one (no copy of its own). The result is valid until the next call.
   */
  allReduceLarge(length: number, fill: (slot: Float32Array) => void): Float32Array {
    const sum = this.sumRanges(length, fill, [[0, length]]);
    this.barrier();
    return sum;
  }

  /**
   * Every worker writes its vector of `length` floats with `fill` straight into its slot of the large region; once
   * all have, this worker sums the slots over the flat `ranges` only (the rest of the result is stale). That is how
   * each worker sums just the share of the gradients it updates. The result is valid until the next call, and the
   * caller must meet the others at a barrier before the next call (another worker may still be reading the slots).
   * The buffers are reused from step to step: fresh tens of MB per step cost page faults, which the threads of one
   * process take one at a time.
   */
  sumRanges(
    length: number,
    fill: (slot: Float32Array) => void,
    ranges: ReadonlyArray<readonly [number, number]>,
  ): Float32Array {
    const { largeLength } = this.buffers;
    if (length > largeLength)
      throw new Error(`a reduction of ${length} values exceeds the shared buffer (${largeLength})`);
    fill(this.large.subarray(this.rank * largeLength, this.rank * largeLength + length));
    this.barrier();
    const sum = reusedSum(this.buffers.large, length);
    for (const [from, to] of ranges) {
      sum.set(this.large.subarray(from, to), from);
      for (let w = 1; w < this.workers; w++) {
        const base = w * largeLength;
        for (let i = from; i < to; i++) sum[i]! += this.large[base + i]!;
      }
    }
    return sum;
  }

  /** Waits until all `workers` have arrived (a generation counter, so the barrier can be reused at once). */
  barrier(): void {
    const c = this.control;
    const generation = Atomics.load(c, GENERATION);
    this.checkAbort();
    if (Atomics.add(c, COUNT, 1) === this.workers - 1) {
      Atomics.store(c, COUNT, 0);
      Atomics.add(c, GENERATION, 1);
      Atomics.notify(c, GENERATION);
      return;
    }
    while (Atomics.load(c, GENERATION) === generation) Atomics.wait(c, GENERATION, generation, POLL_MS);
    this.checkAbort();
  }

  private checkAbort(): void {
    if (Atomics.load(this.control, ABORT))
      throw new PnetError('PARTIAL_FAILURE', 'another training worker failed during the step');
  }
}
