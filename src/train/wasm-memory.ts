/**
 * The wasm backend keeps every tensor in one WebAssembly heap of at most 4 GiB; a training step that needs more
 * aborts the process with an uncatchable "table index is out of bounds". Estimate the step's activations first and
 * refuse with a remedy instead. Calibrated here: keras at batch 32 × 1024 points trains on one heap (2.6 GiB of it after
 * two steps; 44 × 1024 reached 3.9 GiB, too close to the limit to allow). Each worker thread of a data-parallel step has
 * a heap of its own, so the limit is on the share of one worker.
 */
import { PnetError } from '../core/errors.ts';
import type { PresetSpec } from '../model/spec.ts';

/**
 * Floats kept per point for the backward pass, up to a constant factor: every per-point layer width, twice (its
 * product and its output). The last conv of each T-Net and of the features feeds only a max-pool, whose fused
 * block keeps nothing per point (src/model/ops.ts), so those widest layers do not count.
 */
export function perPointWidth(p: PresetSpec): number {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const unpooled = (xs: number[]) => sum(xs.slice(0, -1));
  return (
    2 * unpooled(p.inputTnet.conv) +
    2 * unpooled(p.featureTnet.conv) +
    2 * sum(p.features) +
    p.features[2] +
    2 * unpooled(p.features2) +
    2 * p.segHidden
  );
}

/**
 * batch × points × width at which keras 32 × 1024 fits (perPointWidth(keras) = 2,816), the largest size allowed
 * (see above). A number, not a read of models/keras.json, so a page checks the same; a test keeps them equal.
 */
export const WASM_BUDGET = 32 * 1024 * 2816;

/** The largest batch of `points`-point clouds whose step fits one wasm heap (at least 2: batch norm needs 2). */
export function largestWasmBatch(preset: PresetSpec, points: number): number {
  return Math.max(2, Math.floor(WASM_BUDGET / (points * perPointWidth(preset))));
}

/** `workers` threads split each batch, each with its own heap holding its share (the larger one, if uneven). */
export function checkWasmMemory(preset: PresetSpec, batchSize: number, points: number, workers = 1): void {
  const share = Math.ceil(batchSize / workers);
  const need = share * points * perPointWidth(preset);
  if (need <= WASM_BUDGET) return;
  const fits = largestWasmBatch(preset, points);
  const perWorker = workers > 1 ? ` (${share} per worker on ${workers} workers)` : '';
  throw new PnetError(
    'BAD_ARGUMENT',
    `a ${preset.name} step of ${batchSize} × ${points} points${perWorker} needs more memory than the wasm backend's 4 GiB heap holds`,
    {
      remedy:
        `use --batch-size ${Math.max(2, fits * workers)} (or fewer --points, or more --workers on a machine with more cores), ` +
        'or install @tensorflow/tfjs-node for --backend tensorflow',
    },
  );
}
