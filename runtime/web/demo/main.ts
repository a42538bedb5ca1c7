/**
 * The demo page: pick or drop a cloud, segment it with the pnet browser runtime, show it in 3-D coloured by part.
 * It imports the library as any page would (the build maps `../index.ts` to the built `../pnet-web.js`).
 */
import { createSegmenter, type WebSegmenter, type WebSegmentResult } from '../index.ts';
import { CloudViewer } from './cloud-viewer.ts';
import { capPoints } from './cloud-files.ts';
import { parseCloudFile } from '../../../src/core/formats/cloud-file.ts';

/** What `pnet serve` tells the page (GET /pnet-config.json). */
interface DemoConfig {
  model: string | null;
  modelName?: string;
  /** Shown when there is no model: how to make one. */
  help?: string;
}

interface Sample {
  file: string;
  name: string;
  points: number;
  /** The shape's category, so a cloud the model was not trained on is labelled as such. */
  category?: string;
  /** `val`: a real cloud of the official val split; `real`: a real cloud of another split; `synthetic`: made by `pnet data synth`. */
  source?: 'val' | 'real' | 'synthetic';
}

const MAX_POINTS = 50_000;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const viewer = new CloudViewer($('viewer'));
let segmenter: WebSegmenter | undefined;
let cloud: { name: string; xyz: Float32Array; category?: string } | undefined;
/** Runs on the current session: the first WebGPU run also compiles its shaders, so it is labelled as such. */
let runs = 0;

function setState(state: 'loading' | 'no-model' | 'ready' | 'segmenting' | 'segmented' | 'error'): void {
  document.body.dataset.state = state;
}

function busy(text: string | undefined): void {
  $('busy').hidden = text === undefined;
  if (text) $('busy-text').textContent = text;
}

function toast(message: string | undefined): void {
  const el = $('toast');
  el.hidden = !message;
  el.textContent = message ?? '';
}

function describeError(e: unknown): string {
  const err = e as { describe?: () => string; message?: string };
  return typeof err.describe === 'function' ? err.describe() : (err.message ?? String(e));
}

async function loadConfig(): Promise<DemoConfig> {
  const fromQuery = new URLSearchParams(location.search).get('model');
  if (fromQuery) return { model: fromQuery, modelName: fromQuery.split('/').pop() };
  try {
    const response = await fetch('../pnet-config.json');
    if (response.ok) return (await response.json()) as DemoConfig;
  } catch {
    // Served by something other than `pnet serve`: fall through to the hint.
  }
  return {
    model: null,
    help: 'Open this page with ?model=URL of a pnet .onnx file, or run `npx pnet serve --model model.onnx`.',
  };
}

async function loadModel(source: string | Uint8Array, name: string): Promise<void> {
  busy('Loading model…');
  try {
    await segmenter?.dispose();
    segmenter = undefined;
    segmenter = await createSegmenter(source);
    runs = 0;
  } finally {
    busy(undefined);
  }
  const { info } = segmenter;
  $('model-name').textContent = name;
  $('model-name').title = name;
  $('model-category').textContent = info.category.join(', ') || '—';
  $('model-preset').textContent = info.preset || '—';
  $('model-precision').textContent = info.precision;
  $('model-parts').textContent = String(info.classes.length);
  $('model-message').hidden = true;
  const ep = segmenter.executionProvider;
  $('ep').textContent = ep === 'webgpu' ? 'WebGPU' : 'WASM';
  $('load-ms').textContent = formatMs(segmenter.loadMs);
  const badge = $('ep-badge');
  badge.className = `badge ${ep}`;
  badge.textContent = ep === 'webgpu' ? 'WebGPU' : crossOriginIsolated ? 'WASM · threads' : 'WASM';
  const fallback = $('fallback-reason');
  fallback.hidden = segmenter.fallbacks.length === 0;
  fallback.textContent = segmenter.fallbacks
    .map(
      (f) =>
        `${f.executionProvider === 'webgpu' ? 'WebGPU' : f.executionProvider} unavailable, using ${ep === 'webgpu' ? 'WebGPU' : 'WASM'}: ${f.reason}`,
    )
    .join(' · ');
  setState('ready');
}

function showNoModel(help: string): void {
  const message = $('model-message');
  message.hidden = false;
  message.innerHTML = '';
  // The hint contains `code` spans; build them as nodes rather than trusting HTML from the server.
  help.split(/(`[^`]+`)/).forEach((part) => {
    if (part.startsWith('`') && part.endsWith('`')) {
      const code = document.createElement('code');
      code.textContent = part.slice(1, -1);
      message.appendChild(code);
    } else message.appendChild(document.createTextNode(part));
  });
  const badge = $('ep-badge');
  badge.className = 'badge off';
  badge.textContent = 'no model';
  setState('no-model');
}

async function showCloud(name: string, xyz: Float32Array, category?: string): Promise<void> {
  const total = xyz.length / 3;
  const kept = capPoints(xyz, MAX_POINTS);
  cloud = { name, xyz: kept, category };
  viewer.show(kept);
  $('cloud-name').textContent = name;
  $('cloud-points').textContent =
    kept.length === xyz.length
      ? `${total.toLocaleString()} points`
      : `${(kept.length / 3).toLocaleString()} of ${total.toLocaleString()} points`;
  renderLegend(undefined);
  $('latency').textContent = '—';
  if (segmenter) await segment();
}

async function segment(): Promise<void> {
  if (!segmenter || !cloud) return;
  setState('segmenting');
  busy(`Segmenting on ${segmenter.executionProvider === 'webgpu' ? 'WebGPU' : 'WASM'}…`);
  try {
    const result = await segmenter.segment(cloud.xyz);
    viewer.colour(result.labels, result.colors);
    renderLegend(result);
    $('latency').textContent = formatMs(result.ms);
    runs++;
    $('latency-label').textContent =
      runs === 1 && segmenter.executionProvider === 'webgpu' ? 'First run (+ shaders)' : 'Inference';
    $('rerun').hidden = false;
    setState('segmented');
  } finally {
    busy(undefined);
  }
}

function renderLegend(result: WebSegmentResult | undefined): void {
  const legend = $('legend');
  legend.innerHTML = '';
  if (!result) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = segmenter ? 'Segmenting…' : 'Segment a cloud to see its parts.';
    legend.appendChild(li);
    return;
  }
  const known = segmenter?.info.category ?? [];
  if (cloud?.category && known.length > 0 && !known.some((c) => c.toLowerCase() === cloud!.category!.toLowerCase())) {
    // The net still assigns every point one of its parts; say plainly that these labels mean nothing here.
    const li = document.createElement('li');
    li.className = 'outside';
    li.textContent = `This cloud is in category ${cloud.category}; the model knows only ${known.join(', ')}, so these labels are not a segmentation.`;
    legend.appendChild(li);
  }
  if (result.warning) {
    // The runtime says when the cloud's size makes these labels meaningless; the page must not hide that.
    const li = document.createElement('li');
    li.className = 'warning';
    li.textContent = `Warning: ${result.warning}`;
    legend.appendChild(li);
  }
  const counts = new Array<number>(result.classes.length).fill(0);
  for (const label of result.labels) counts[label] = (counts[label] ?? 0) + 1;
  result.classes.forEach((name, i) => {
    const share = counts[i]! / result.numPoints;
    const li = document.createElement('li');
    li.className = 'part';
    li.innerHTML =
      '<span class="swatch"></span><span class="part-name"></span><span class="part-count"></span><span class="bar"><i></i></span>';
    (li.querySelector('.swatch') as HTMLElement).style.background = result.colors[i]!;
    li.querySelector('.part-name')!.textContent = name;
    li.querySelector('.part-count')!.textContent = `${counts[i]!.toLocaleString()} · ${(share * 100).toFixed(1)}%`;
    const bar = li.querySelector('.bar > i') as HTMLElement;
    bar.style.width = `${(share * 100).toFixed(2)}%`;
    bar.style.background = result.colors[i]!;
    legend.appendChild(li);
  });
}

function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : ms < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

async function openFile(file: File): Promise<void> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (file.name.toLowerCase().endsWith('.onnx')) {
    await loadModel(bytes, file.name);
    if (cloud) await segment();
    return;
  }
  for (const c of document.querySelectorAll('.chip.active')) c.classList.remove('active');
  await showCloud(file.name, parseCloudFile(file.name, bytes));
}

async function openSample(sample: Sample, chip: HTMLElement): Promise<void> {
  for (const c of document.querySelectorAll('.chip.active')) c.classList.remove('active');
  chip.classList.add('active');
  const response = await fetch(`./samples/${sample.file}`);
  if (!response.ok) throw new Error(`could not load sample ${sample.file}: HTTP ${response.status}`);
  await showCloud(
    `${sample.name} · ${sampleTag(sample)}`,
    parseCloudFile(sample.file, new Uint8Array(await response.arrayBuffer())),
    sample.category,
  );
}

/** Runs a UI action, turning any failure into a visible message instead of an unhandled rejection. */
function guarded(action: () => Promise<void>): void {
  toast(undefined);
  action().catch((e: unknown) => {
    busy(undefined);
    setState('error');
    toast(describeError(e));
  });
}

function wireDropzone(): void {
  const zone = $('dropzone');
  const input = $<HTMLInputElement>('file-input');
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file) guarded(() => openFile(file));
    input.value = '';
  });
  for (const target of [zone, document.body]) {
    target.addEventListener('dragover', (e) => {
      e.preventDefault();
      zone.classList.add('over');
    });
    target.addEventListener('dragleave', () => zone.classList.remove('over'));
    target.addEventListener('drop', (e) => {
      e.preventDefault();
      e.stopPropagation();
      zone.classList.remove('over');
      const file = (e as DragEvent).dataTransfer?.files[0];
      if (file) guarded(() => openFile(file));
    });
  }
}

function sampleTag(sample: Sample): string {
  if (sample.source === 'synthetic') return 'synthetic';
  if (sample.source === 'val') return 'real, val split';
  return 'real';
}

async function loadSamples(): Promise<{ sample: Sample; chip: HTMLElement }[]> {
  const response = await fetch('./samples/index.json');
  const samples = response.ok ? ((await response.json()) as Sample[]) : [];
  const host = $('samples');
  return samples.map((sample) => {
    const chip = document.createElement('button');
    chip.className = 'chip';
    chip.type = 'button';
    chip.dataset.sample = sample.file;
    chip.innerHTML = `<span></span><small></small>`;
    chip.querySelector('span')!.textContent = sample.name;
    chip.querySelector('small')!.textContent = `${sampleTag(sample)} · ${(sample.points / 1000).toFixed(1)}k`;
    if (sample.source === 'synthetic') chip.classList.add('synthetic');
    chip.addEventListener('click', () => guarded(() => openSample(sample, chip)));
    host.appendChild(chip);
    return { sample, chip };
  });
}

async function start(): Promise<void> {
  wireDropzone();
  $('rerun').addEventListener('click', () => guarded(segment));
  const [config, samples] = await Promise.all([loadConfig(), loadSamples()]);
  if (config.model) await loadModel(config.model, config.modelName ?? config.model);
  else showNoModel(config.help ?? 'No model loaded.');
  const first = samples[0];
  if (first) await openSample(first.sample, first.chip);
}

guarded(start);
