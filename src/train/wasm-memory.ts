/**
 * The wasm backend keeps every tensor in one WebAssembly heap of at most 4 GiB; a training step that needs more
 * aborts the process with an uncatchable "table index is out of bounds". Estimate the step's activations first and
 * refuse with a remedy instead. Calibrated here: keras at batch 16 × 1024 points trains, batch 32 × 1024 crashes. Each
 * worker thread of a data-parallel step has a heap of its own, so the limit is on the share of one worker.
 */
import { PnetError } from '../core/errors.ts';
import { loadPreset, type PresetSpec } from '../model/spec.ts';

/** Floats kept per point for the backward pass, up to a constant factor: every per-point layer width. */
export function perPointWidth(p: PresetSpec): number {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return (
    2 * sum(p.inputTnet.conv) +
    2 * sum(p.featureTnet.conv) +
    2 * sum(p.features) +
    p.features[2] +
    2 * sum(p.features2) +
    2 * p.segHidden
  );
}

/** batch × points × width at which keras 16 × 1024 still fits, the largest size measured to work (32 crashed). */
const WASM_BUDGET = 16 * 1024 * perPointWidth(loadPreset('keras'));

/** `workers` threads split each batch, each with its own heap holding its share (the larger one, if uneven). */
export function checkWasmMemory(preset: PresetSpec, batchSize: number, points: number, workers = 1): void {
  const share = Math.ceil(batchSize / workers);
  const need = share * points * perPointWidth(preset);
  if (need <= WASM_BUDGET) return;
  const fits = Math.max(2, Math.floor(WASM_BUDGET / (points * perPointWidth(preset))));
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
