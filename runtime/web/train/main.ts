/**
 * The Train page: drop labelled clouds, train with TF.js in this tab (pnet/web/train: on wasm in a train worker that
 * splits each batch across Web Workers, on a real GPU with WebGPU here), export ONNX here, segment the
 * val clouds with onnxruntime-web (pnet/web, imported as any page would: the build maps `../index.ts` to the built
 * `../pnet-web.js`), download the model and the checkpoint.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';
import { createSegmenter } from '../index.ts';
import { CloudViewer } from '../demo/cloud-viewer.ts';
import { SegmentationMetrics } from '../../../src/core/metrics.ts';
import {
  exportOnnx,
  largestWasmBatch,
  lossCurvesSvg,
  loadDatasetFromFiles,
  PRESET_NAMES,
  PRESET_TRAIN_DEFAULTS,
  readZipFiles,
  TRAIN_DEFAULTS,
  trainModel,
  type Dataset,
  type EpochMetrics,
  type PresetName,
  type PresetSpec,
  type TrainModelOptions,
  type TrainModelResult,
} from '../../../src/web-train.ts';
import type { FromTrainWorker, ToTrainWorker } from './train-messages.ts';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const input = <T extends HTMLInputElement | HTMLSelectElement = HTMLInputElement>(id: string) => $<T>(id);

/** The dropped files, and the dataset read from them (every category; training reads its category again). */
let files: Map<string, Uint8Array> | undefined;
const ALL_CATEGORIES = '';
let dataset: Dataset | undefined;
let backend = '';
/** Step workers on wasm (0: training runs on this thread, on WebGPU or wasm without cross-origin isolation). */
let workers = 0;
let running: AbortController | undefined;
const downloads: string[] = [];
const viewer = new CloudViewer($('viewer'));

function status(text: string, kind: 'info' | 'error' = 'info'): void {
  const el = $('status');
  el.textContent = text;
  el.classList.toggle('error', kind === 'error');
}

function describeError(e: unknown): string {
  const err = e as { describe?: () => string; message?: string };
  return typeof err.describe === 'function' ? err.describe() : (err.message ?? String(e));
}

/**
 * WebGPU where the adapter is a real GPU (one thread, here); else wasm: in a cross-origin isolated page, a train
 * worker splitting each batch across one wasm thread per core (2 to 4), otherwise one thread here.
 */
async function chooseBackend(): Promise<string> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<GpuAdapter | null> } }).gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  const software = !adapter || adapter.isFallbackAdapter || /swiftshader|cpu/i.test(adapter.info?.architecture ?? '');
  if (!software && (await tf.setBackend('webgpu').catch(() => false))) return 'webgpu';
  // `?workers=1`: TF.js's own wasm threads on this thread, as the page trained before (the bench compares both).
  const asked = Number(new URLSearchParams(location.search).get('workers') ?? '0');
  if (crossOriginIsolated && asked !== 1) {
    workers = Math.min(4, Math.max(2, asked || navigator.hardwareConcurrency || 2));
    return `wasm, ${workers} workers`;
  }
  setWasmPaths(new URL('../tfjs/', import.meta.url).href);
  if (!(await tf.setBackend('wasm'))) throw new Error('neither WebGPU nor the TF.js wasm backend could start here');
  return crossOriginIsolated ? 'wasm (threads)' : 'wasm (one thread)';
}

type TrainCall = Omit<TrainModelOptions, 'spawnWorker' | 'workers'>;

/** trainModel in a train worker (train-worker.ts), with the same callbacks; the signal stops it after a step. */
function trainInWorker(options: TrainCall): Promise<TrainModelResult> {
  const { onStep, onEpoch, log, signal, ...request } = options;
  const worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
  const post = (m: ToTrainWorker) => worker.postMessage(m);
  signal?.addEventListener('abort', () => post({ type: 'stop' }), { once: true });
  return new Promise<TrainModelResult>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<FromTrainWorker>) => {
      const m = e.data;
      if (m.type === 'step') onStep?.(m.step);
      else if (m.type === 'epoch') onEpoch?.(m.record);
      else if (m.type === 'log') log?.(m.line);
      else if (m.type === 'done') resolve(m.result);
      else reject(new Error(m.message));
    };
    worker.onerror = (e) => reject(new Error(`the train worker failed: ${e.message}`));
    post({ type: 'train', request: { ...request, workers } });
  }).finally(() => worker.terminate());
}

interface GpuAdapter {
  isFallbackAdapter?: boolean;
  info?: { architecture?: string };
}

/** The dropped files as dataset-relative paths: a .zip's entries, or each file's path within the dropped folder. */
async function filesOf(list: File[]): Promise<Map<string, Uint8Array>> {
  const only = list.length === 1 ? list[0]! : undefined;
  if (only && /\.zip$/i.test(only.name)) return readZipFiles(new Uint8Array(await only.arrayBuffer()), only.name);
  const files = new Map<string, Uint8Array>();
  for (const f of list) {
    const path = (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;
    files.set(path, new Uint8Array(await f.arrayBuffer()));
  }
  return files;
}

/** Files of a dropped folder, walked with the entries API (a plain drop gives only the top-level items). */
async function droppedFiles(items: DataTransferItemList): Promise<File[]> {
  const out: File[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((ok, fail) => (entry as FileSystemFileEntry).file(ok, fail));
      out.push(new File([file], file.name, { type: file.type }));
      Object.defineProperty(out.at(-1)!, 'webkitRelativePath', { value: `${prefix}${entry.name}` });
      return;
    }
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
      if (batch.length === 0) break;
      for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
    }
  };
  const entries = [...items].map((i) => i.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  for (const e of entries) await walk(e, '');
  return out;
}

async function readDataset(list: File[]): Promise<void> {
  status('Reading the dataset…');
  try {
    files = await filesOf(list);
    dataset = loadDatasetFromFiles(files, {});
  } catch (e) {
    files = undefined;
    dataset = undefined;
    $<HTMLButtonElement>('start').disabled = true;
    status(describeError(e), 'error');
    return;
  }
  const labelled = dataset.clouds.filter((c) => c.labels);
  $('data-facts').hidden = false;
  $('data-format').textContent = dataset.format;
  $('data-clouds').textContent = `${labelled.length} labelled of ${dataset.clouds.length}`;
  $('data-split').textContent = dataset.officialSplit ? 'the official split lists' : 'a seeded 80 / 20 split';
  const problems = $('data-problems');
  problems.hidden = dataset.problems.length === 0;
  problems.innerHTML = '';
  for (const p of dataset.problems.slice(0, 50)) {
    const li = document.createElement('li');
    li.textContent = `${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`;
    problems.appendChild(li);
  }
  const select = input<HTMLSelectElement>('category');
  select.innerHTML = '';
  // Several categories train one model over all their parts, as `pnet train` with several --category does.
  if (dataset.categories.length > 1) select.add(new Option(`all: ${dataset.categories.join(', ')}`, ALL_CATEGORIES));
  for (const c of dataset.categories) {
    const n = labelled.filter((cloud) => cloud.category === c).length;
    select.add(new Option(`${c} (${n} clouds)`, c));
  }
  select.disabled = false;
  $<HTMLButtonElement>('start').disabled = false;
  status(`Ready: ${labelled.length} labelled clouds in ${dataset.categories.join(', ')}.`);
}

/** The recipe fields, from the preset's defaults where the user left them. */
function fillRecipe(preset: PresetName): void {
  const d = { ...TRAIN_DEFAULTS, ...PRESET_TRAIN_DEFAULTS[preset] };
  input('epochs').value = String(d.epochs);
  input('batch').value = String(d.batchSize);
  input('points').value = String(d.points);
  input('lr').value = String(d.learningRate);
  input('jitter').value = String(d.jitter);
  input('scale-lo').value = String(d.scaleRange[0]);
  input('scale-hi').value = String(d.scaleRange[1]);
  input('label-smoothing').value = String(d.labelSmoothing);
  input('balance-parts').value = String(d.balanceParts);
}

const presets = new Map<string, PresetSpec>();
async function presetSpec(name: string): Promise<PresetSpec> {
  if (!presets.has(name)) {
    const res = await fetch(new URL(`../presets/${name}.json`, import.meta.url));
    if (!res.ok) throw new Error(`preset ${name}: HTTP ${res.status}`);
    presets.set(name, (await res.json()) as PresetSpec);
  }
  return presets.get(name)!;
}

/** On wasm every tensor lives in one 4 GiB heap: the page refuses a step that cannot fit before it starts. */
async function memoryLimit(): Promise<number | undefined> {
  if (!backend.startsWith('wasm')) return undefined;
  return largestWasmBatch(await presetSpec(input('preset').value), Number(input('points').value));
}

async function showMemoryNote(): Promise<void> {
  const limit = await memoryLimit().catch(() => undefined);
  $('memory-note').textContent =
    limit === undefined
      ? `${backend}: batch size is bounded by the GPU's memory.`
      : `${backend}: at most ${limit} clouds a step fit this tab's wasm heap at ${input('points').value} points.`;
}

function number(id: string): number {
  const v = Number(input(id).value);
  if (!Number.isFinite(v)) throw new Error(`${id} must be a number`);
  return v;
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  const m = Math.floor(seconds / 60);
  return m > 0 ? `${m}m ${Math.round(seconds % 60)}s` : `${Math.round(seconds)}s`;
}

function offerDownload(id: string, bytes: Uint8Array, name: string): void {
  const link = $<HTMLAnchorElement>(id);
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  downloads.push(url);
  link.href = url;
  link.download = name;
  link.hidden = false;
}

async function start(): Promise<void> {
  if (!files) return;
  for (const url of downloads.splice(0)) URL.revokeObjectURL(url);
  $('download-onnx').hidden = true;
  $('download-checkpoint').hidden = true;
  const category = input<HTMLSelectElement>('category').value;
  const batchSize = number('batch');
  const limit = await memoryLimit();
  if (limit !== undefined && batchSize > limit) {
    status(`A batch of ${batchSize} does not fit this tab's wasm heap; use ${limit} or fewer.`, 'error');
    return;
  }
  const startFile = input('start-from').files?.[0];
  running = new AbortController();
  $<HTMLButtonElement>('start').disabled = true;
  $<HTMLButtonElement>('stop').disabled = false;
  const progress = $<HTMLProgressElement>('progress');
  const history: EpochMetrics[] = [];
  const began = performance.now();
  viewer.setPaused(true);
  let result: TrainModelResult;
  let trained: Dataset;
  try {
    // Read for the chosen category, as `pnet train --category` does: the model's classes are its parts.
    trained = loadDatasetFromFiles(files, category === ALL_CATEGORIES ? {} : { categories: [category] });
    result = await (workers > 0 ? trainInWorker : trainModel)({
      dataset: trained,
      preset: await presetSpec(input('preset').value),
      epochs: number('epochs'),
      batchSize,
      points: number('points'),
      learningRate: number('lr'),
      jitter: number('jitter'),
      scaleRange: [number('scale-lo'), number('scale-hi')],
      labelSmoothing: number('label-smoothing'),
      balanceParts: number('balance-parts'),
      startFrom: startFile ? new Uint8Array(await startFile.arrayBuffer()) : undefined,
      signal: running.signal,
      onStep: (s) => {
        const done = (s.epoch - 1) * s.batches + s.batch;
        const total = s.epochs * s.batches;
        progress.value = done / total;
        const eta = ((performance.now() - began) / 1000 / done) * (total - done);
        status(
          `Epoch ${s.epoch}/${s.epochs}, step ${s.batch}/${s.batches} · loss ${s.loss.toFixed(4)} · ` +
            `${s.cloudsPerSecond.toFixed(1)} clouds/s · ETA ${formatEta(eta)}`,
        );
      },
      onEpoch: (record) => {
        history.push(record);
        void lossCurvesSvg(history).then((svg) => {
          $('curves').innerHTML = svg;
        });
      },
      log: (line) => console.log(line),
    });
  } catch (e) {
    status(describeError(e), 'error');
    return;
  } finally {
    running = undefined;
    viewer.setPaused(false);
    $<HTMLButtonElement>('start').disabled = false;
    $<HTMLButtonElement>('stop').disabled = true;
  }
  await finish(result, trained);
}

/** Export, downloads, and the val clouds segmented with onnxruntime-web. */
async function finish(result: TrainModelResult, trained: Dataset): Promise<void> {
  status('Exporting ONNX…');
  try {
    const onnx = await exportOnnx(result.best);
    const stem = `pnet-${trained.categories.join('-').toLowerCase()}`;
    offerDownload('download-onnx', onnx, `${stem}.onnx`);
    offerDownload('download-checkpoint', result.best, `${stem}.ckpt`);
    const val = await segmentVal(onnx, result.valIds, trained);
    const stopped = result.interrupted ? `stopped; kept epoch ${result.bestEpoch}. ` : '';
    status(`${stopped}${val}\ndone`);
  } catch (e) {
    status(describeError(e), 'error');
  }
}

async function segmentVal(onnx: Uint8Array, valIds: string[], trained: Dataset): Promise<string> {
  const ids = new Set(valIds);
  const clouds = trained.clouds.filter((c) => c.labels && ids.has(c.id));
  if (clouds.length === 0) return 'No val clouds to segment (all were trained on).';
  const segmenter = await createSegmenter(onnx, { executionProviders: ['wasm'] });
  try {
    const metrics = new SegmentationMetrics(trained.classes.names.length, trained.classes.partsOf);
    const results = await segmenter.segmentMany(clouds.map((c) => c.points));
    const select = input<HTMLSelectElement>('val-cloud');
    select.innerHTML = '';
    const scores = results.map((r, i) =>
      metrics.addShapeScores(r.probabilities, clouds[i]!.labels!, clouds[i]!.category),
    );
    for (const [i, c] of clouds.entries()) select.add(new Option(`${c.id} · mIoU ${scores[i]!.toFixed(3)}`, String(i)));
    select.hidden = false;
    const show = (i: number) => {
      viewer.show(clouds[i]!.points);
      viewer.colour(results[i]!.labels, results[i]!.colors);
      renderLegend(results[i]!);
      $('cloud-name').textContent = clouds[i]!.id;
      $('cloud-score').textContent = `instance mIoU ${scores[i]!.toFixed(3)} on ${results[i]!.numPoints} points`;
    };
    select.onchange = () => show(Number(select.value));
    show(0);
    const summary = metrics.summary();
    return `Val (onnxruntime-web, every point): accuracy ${summary.accuracy.toFixed(3)}, instance mIoU ${summary.miou.toFixed(3)} on ${clouds.length} clouds.`;
  } finally {
    await segmenter.dispose();
  }
}

/** Each part's colour and share of the shown cloud's points. */
function renderLegend(result: { labels: Int32Array; classes: string[]; colors: string[] }): void {
  const legend = $('legend');
  legend.innerHTML = '';
  const counts = new Array<number>(result.classes.length).fill(0);
  for (const label of result.labels) counts[label] = (counts[label] ?? 0) + 1;
  result.classes.forEach((name, i) => {
    const li = document.createElement('li');
    li.className = 'part';
    li.innerHTML = '<span class="swatch"></span><span class="part-name"></span><span class="part-count"></span>';
    (li.querySelector('.swatch') as HTMLElement).style.background = result.colors[i]!;
    li.querySelector('.part-name')!.textContent = name;
    li.querySelector('.part-count')!.textContent = `${((counts[i]! / result.labels.length) * 100).toFixed(1)}%`;
    legend.appendChild(li);
  });
}

function wire(): void {
  const presetSelect = input<HTMLSelectElement>('preset');
  for (const p of PRESET_NAMES) presetSelect.add(new Option(p, p));
  presetSelect.value = 'lite';
  fillRecipe('lite');
  presetSelect.onchange = () => {
    fillRecipe(presetSelect.value as PresetName);
    void showMemoryNote();
  };
  input('points').onchange = () => void showMemoryNote();
  const fileInput = input('dataset');
  fileInput.onchange = () => void readDataset([...(fileInput.files ?? [])]);
  const zone = $('dropzone');
  zone.ondragover = (e) => e.preventDefault();
  zone.ondrop = (e) => {
    e.preventDefault();
    if (e.dataTransfer) void droppedFiles(e.dataTransfer.items).then(readDataset);
  };
  $('start').onclick = () => void start();
  $('stop').onclick = () => {
    running?.abort();
    status('Stopping after this step…');
  };
}

wire();
chooseBackend()
  .then(async (name) => {
    backend = name;
    $('backend-badge').textContent = `TF.js ${name}`;
    await showMemoryNote();
  })
  .catch((e: unknown) => status(describeError(e), 'error'));
