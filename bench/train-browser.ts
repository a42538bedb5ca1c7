/**
 * Training in a browser tab against `pnet train` in Node: the same clouds (a few dozen real airplanes when the real
 * benchmark is extracted under data/, else synthetic ones), preset, batch, points, seed and epochs; the tab on TF.js
 * wasm twice (the Train page, driven as a user drives it: a dropped .zip, Start): in its train worker splitting each
 * batch across Web Workers (the page's default), and with TF.js's own threads on the page's thread (`?workers=1`);
 * Node on the wasm backend
 * with one and with as many data-parallel workers as the tab has threads. Clouds/s is the median over the epochs
 * after the first (which pays for compiling); val mIoU is the last epoch's, on the same seeded 80/20 split.
 * `node bin/run-ts.js bench/train-browser.ts`; `benchBrowserTraining()` returns the markdown.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import yazl from 'yazl';
import { CHROMIUM_INSTALL_HINT, findChromium, launchChromium } from '../src/browser/chromium.ts';
import { synthesizeDataset } from '../src/data/synth.ts';
import { startServer } from '../src/serve/index.ts';
import { train } from '../src/train/index.ts';
import type { PresetName } from '../src/model/spec.ts';

const REAL = join(import.meta.dirname, '..', 'data', 'shapenetcore_partanno_segmentation_benchmark_v0');
const AIRPLANE = '02691156';

export interface BrowserTrainingOptions {
  clouds?: number;
  epochs?: number;
  preset?: PresetName;
  batch?: number;
  points?: number;
}

interface Run {
  runtime: string;
  threads: number;
  cloudsPerSecond: number;
  valMiou: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The first `count` real airplanes in the benchmark layout with no split lists (so both sides split 80/20 by seed). */
async function realSubset(dir: string, count: number): Promise<string> {
  const root = join(dir, 'airplanes');
  const ids = (await readdir(join(REAL, AIRPLANE, 'points'))).sort().slice(0, count);
  await mkdir(join(root, AIRPLANE, 'points'), { recursive: true });
  await mkdir(join(root, AIRPLANE, 'points_label'), { recursive: true });
  await writeFile(join(root, 'synsetoffset2category.txt'), `Airplane\t${AIRPLANE}\n`);
  for (const f of ids) {
    const id = f.replace(/\.pts$/, '');
    await copyFile(join(REAL, AIRPLANE, 'points', f), join(root, AIRPLANE, 'points', f));
    await copyFile(
      join(REAL, AIRPLANE, 'points_label', `${id}.seg`),
      join(root, AIRPLANE, 'points_label', `${id}.seg`),
    );
  }
  return root;
}

async function zipFolder(dir: string, zipPath: string): Promise<void> {
  const zip = new yazl.ZipFile();
  const walk = async (d: string, prefix: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name), `${prefix}${e.name}/`);
      else zip.addFile(join(d, e.name), `${prefix}${e.name}`);
    }
  };
  await walk(dir, 'dataset/');
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  await writeFile(zipPath, Buffer.concat(chunks));
}

/** The epoch lines the page logs (the same line `pnet train` prints). */
const EPOCH_LINE = /^epoch (\d+)\/\d+: .* mIoU [\d.]+ \/ ([\d.]+) \(train \/ val\), ([\d.]+) clouds\/s/;

async function inTheTab(zip: string, o: Required<BrowserTrainingOptions>, query = ''): Promise<Run | string> {
  const executable = findChromium();
  if (!executable) return `Chromium not found (${CHROMIUM_INSTALL_HINT})`;
  const server = await startServer({ port: 0 });
  const context = await launchChromium(executable, false);
  try {
    const page = await context.newPage();
    const epochs: Array<{ valMiou: number; cloudsPerSecond: number }> = [];
    page.on('console', (m) => {
      const e = EPOCH_LINE.exec(m.text());
      if (e) epochs.push({ valMiou: Number(e[2]), cloudsPerSecond: Number(e[3]) });
    });
    await page.goto(new URL(`/train/${query}`, server.url).href);
    await page.getByTestId('dataset').setInputFiles(zip);
    await page.waitForFunction(() => !(document.getElementById('start') as HTMLButtonElement).disabled);
    const backend = (await page.locator('#backend-badge').textContent()) ?? '';
    const workers = /wasm, (\d+) workers/.exec(backend)?.[1];
    const threads = workers
      ? Number(workers)
      : await page.evaluate(() => (crossOriginIsolated ? navigator.hardwareConcurrency : 1));
    await page.getByTestId('preset').selectOption(o.preset);
    await page.getByTestId('epochs').fill(String(o.epochs));
    await page.getByTestId('batch-size').fill(String(o.batch));
    await page.getByTestId('points').fill(String(o.points));
    await page.getByTestId('start').click();
    await page.waitForFunction(
      () => {
        const s = document.querySelector('[data-testid=status]');
        return s?.classList.contains('error') || /done$/.test(s?.textContent ?? '');
      },
      undefined,
      { timeout: 30 * 60_000 },
    );
    const status = (await page.getByTestId('status').textContent()) ?? '';
    if (!status.endsWith('done')) return `the page stopped: ${status}`;
    return {
      runtime: `Chromium tab, ${backend.replace(/^TF\.js /, 'TF.js ')}`,
      threads,
      cloudsPerSecond: median(epochs.slice(1).map((e) => e.cloudsPerSecond)),
      valMiou: epochs.at(-1)!.valMiou,
    };
  } finally {
    await context.close();
    await server.close();
  }
}

async function inNode(data: string, dir: string, workers: number, o: Required<BrowserTrainingOptions>): Promise<Run> {
  const result = await train({
    data,
    categories: ['Airplane'],
    out: join(dir, `node-${workers}`),
    preset: o.preset,
    epochs: o.epochs,
    batchSize: o.batch,
    points: o.points,
    backend: 'wasm',
    workers,
    progress: false,
    log: () => {},
  });
  return {
    runtime: `pnet train (Node), TF.js wasm, ${workers} worker${workers === 1 ? '' : 's'}`,
    threads: workers,
    cloudsPerSecond: median(result.history.slice(1).map((h) => h.clouds_per_second)),
    valMiou: result.history.at(-1)!.val_miou,
  };
}

export async function benchBrowserTraining(options: BrowserTrainingOptions = {}): Promise<string> {
  const o: Required<BrowserTrainingOptions> = {
    clouds: 96,
    epochs: 8,
    preset: 'lite',
    batch: 8,
    points: 1024,
    ...options,
  };
  const dir = await mkdtemp(join(tmpdir(), 'pnet-bench-train-browser-'));
  try {
    const real = existsSync(join(REAL, AIRPLANE, 'points'));
    const data = real ? await realSubset(dir, o.clouds) : join(dir, 'synthetic');
    if (!real) await synthesizeDataset(data, { count: o.clouds, seed: 7 });
    const zip = join(dir, 'dataset.zip');
    await zipFolder(data, zip);
    const tab = await inTheTab(zip, o);
    const threadedTab = await inTheTab(zip, o, '?workers=1');
    const threads = typeof tab === 'string' ? Math.min(2, availableParallelism()) : tab.threads;
    const runs = [await inNode(data, dir, 1, o)];
    if (threads > 1) runs.push(await inNode(data, dir, threads, o));
    if (typeof threadedTab !== 'string') runs.unshift(threadedTab);
    if (typeof tab !== 'string') runs.unshift(tab);
    const node = runs.find((r) => r.runtime.startsWith('pnet train') && r.threads === threads) ?? runs.at(-1)!;
    const lines = [
      '## Training in a browser tab',
      '',
      `${o.clouds} ${real ? 'real ShapeNet' : 'synthetic'} airplanes (seeded 80/20 split), ${o.preset}, batch ${o.batch}, ` +
        `${o.points} points, ${o.epochs} epochs, seed 42. Clouds/s: median of epochs 2–${o.epochs}; val: the last epoch.`,
      '',
      `| runtime | threads | clouds/s | × pnet train at ${threads} worker${threads === 1 ? '' : 's'} | val instance mIoU |`,
      '|---|---:|---:|---:|---:|',
      ...runs.map(
        (r) =>
          `| ${r.runtime} | ${r.threads} | ${r.cloudsPerSecond.toFixed(2)} | ${(r.cloudsPerSecond / node.cloudsPerSecond).toFixed(2)} | ${r.valMiou.toFixed(3)} |`,
      ),
    ];
    if (typeof tab === 'string') lines.push('', `_The tab was not measured: ${tab}._`);
    return `${lines.join('\n')}\n`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      clouds: { type: 'string' },
      epochs: { type: 'string' },
      preset: { type: 'string' },
      batch: { type: 'string' },
      points: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help)
    console.log('bench/train-browser.ts [--clouds 96] [--epochs 8] [--preset lite] [--batch 8] [--points 1024]');
  else {
    const number = (v: string | undefined) => (v === undefined ? undefined : Number(v));
    const given = {
      clouds: number(values.clouds),
      epochs: number(values.epochs),
      preset: values.preset as PresetName | undefined,
      batch: number(values.batch),
      points: number(values.points),
    };
    const options = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
    console.log(await benchBrowserTraining(options));
  }
}
