/**
 * Training in a web page (`import … from 'pnet/web/train'`): dropped files or a .zip in, a trained checkpoint and its
 * ONNX model out, with no file system and no Node. The same data readers, training loop, checkpoint format and
 * exporter as the CLI, so a checkpoint made here gives `pnet export` the same ONNX bytes, and one made by
 * `pnet train` can be fine-tuned here. It runs on the TF.js backend the page set (webgpu, or wasm with threads);
 * kept apart from `pnet/web` so that an inference-only page does not download TF.js.
 */
import { buildOnnxModel } from '../exporters/onnx/build-model.ts';
import type { OnnxExportOptions } from '../exporters/onnx/export-types.ts';
import { checkpointExportInput } from '../exporters/onnx/checkpoint-input.ts';
import { curvesSvg } from './train/curves.ts';
import type { EpochMetrics } from './train/run-dir.ts';

export { trainInMemory as trainModel } from './train/train-in-memory.ts';
export type {
  InMemoryTrainOptions as TrainModelOptions,
  InMemoryTrainResult as TrainModelResult,
} from './train/train-in-memory.ts';
export type { TrainStepProgress } from './train/api.ts';
export type { EpochMetrics };
export { largestWasmBatch } from './train/wasm-memory.ts';
export { PRESET_NAMES, type PresetName, type PresetSpec } from './model/spec.ts';
export { TRAIN_DEFAULTS, PRESET_TRAIN_DEFAULTS } from './train/options.ts';
export type { Dataset } from './data/types.ts';
export { loadDatasetFromFiles, type LoadFilesOptions } from './data/load-files.ts';
export { readZipFiles } from './data/read-zip.ts';
// Data-parallel training in a page: step workers as module Web Workers (trainModel's `workers` and `spawnWorker`).
export { browserStepWorkerSpawner, serveBrowserStepWorker } from './train/parallel/browser-transport.ts';
export type { StepWorkerSpawner } from './train/parallel/transport.ts';
export { PnetError, isPnetError } from './core/errors.ts';

/**
 * A checkpoint's bytes (from trainModel, or a `.ckpt` file) as an ONNX model: what `pnet export --onnx` writes for
 * the same checkpoint, byte for byte.
 */
export async function exportOnnx(checkpoint: Uint8Array, options: OnnxExportOptions = {}): Promise<Uint8Array> {
  return buildOnnxModel(await checkpointExportInput(checkpoint, 'the checkpoint'), options);
}

/** The loss and mIoU curves of a run's epochs as SVG text (what a run folder's curves.svg holds). */
export function lossCurvesSvg(history: EpochMetrics[]): Promise<string> {
  return curvesSvg(history);
}
