/**
 * The wasm backend keeps every tensor in one WebAssembly heap of at most 4 GiB; a training step that needs more
 * aborts the process with an uncatchable "table index is out of bounds". Estimate the step's activations first and
 * refuse with a remedy instead. Calibrated here: keras at batch 16 × 1024 points trains, batch 32 × 1024 crashes.
 */
import { PnetError } from '../errors.ts';
import { loadPreset, type PresetSpec } from '../model/spec.ts';

/** Floats kept per point for the backward pass, up to a constant factor: every per-point layer width. */
export function perPointWidth(p: PresetSpec): number {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return 2 * sum(p.inputTnet.conv) + 2 * sum(p.featureTnet.conv) + 2 * sum(p.features) + p.features[2] + 2 * sum(p.features2) + 2 * p.segHidden;
}

/** batch × points × width at which keras 16 × 1024 still fits, the largest size measured to work (32 crashed). */
const WASM_BUDGET = 16 * 1024 * perPointWidth(loadPreset('keras'));

export function checkWasmMemory(preset: PresetSpec, batchSize: number, points: number): void {
  const need = batchSize * points * perPointWidth(preset);
  if (need <= WASM_BUDGET) return;
  const fits = Math.max(2, Math.floor(WASM_BUDGET / (points * perPointWidth(preset))));
  throw new PnetError(
    'BAD_ARGUMENT',
    `a ${preset.name} step of ${batchSize} × ${points} points needs more memory than the wasm backend's 4 GiB heap holds`,
    { remedy: `use --batch-size ${fits} (or fewer --points), or install @tensorflow/tfjs-node for --backend tensorflow` },
  );
}
