/**
 * The browser runtime in a real Chromium (headless, WebGPU on SwiftShader): the same real ShapeNet clouds through
 * onnxruntime-web WebGPU and WASM in the page, checked against onnxruntime-node CPU; the demo page end to end; and
 * the WASM fallback when WebGPU is off. Skips (with the reason printed) only when Chromium cannot start.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumProblem, findChromium, launchChromium as launch } from '../../../src/browser/chromium.ts';
import { segmentInPage, type PageCloud, type PageRun } from '../../../src/browser/page-runner.ts';
import { parsePointsWithParts, parsePts } from '../../../src/core/formats/pts.ts';
import { startServer, type RunningServer } from '../../../src/serve/index.ts';
import { TINY_CATEGORIES, tinyOnnxBytes } from '../../helpers/tiny-model.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DATA_DIR = join(REPO_ROOT, 'tests', 'fixtures', 'shapenetcore_partanno_segmentation_benchmark_v0_normal');
// Screenshots go outside the checkout (tests never write into the repository); PNET_TEST_ARTIFACTS keeps them.
const ARTIFACTS = process.env.PNET_TEST_ARTIFACTS ?? join(tmpdir(), 'pnet-test-artifacts');

type Cloud = PageCloud;

const skipReason = await chromiumProblem();
if (skipReason) console.warn(`skipping browser tests: ${skipReason}`);

async function loadRealClouds(): Promise<Cloud[]> {
  const clouds: Cloud[] = [];
  for (const synset of ['04225987', '04379243']) {
    for (const file of (await readdir(join(DATA_DIR, synset))).filter((f) => f.endsWith('.txt')).sort()) {
      const path = join(DATA_DIR, synset, file);
      clouds.push({ name: `${synset}/${file}`, xyz: parsePointsWithParts(await readFile(path, 'utf8'), path).points });
    }
  }
  return clouds;
}

function compare(run: PageRun, reference: Array<{ labels: Int32Array; probabilities: Float32Array }>) {
  let maxAbs = 0;
  let agree = 0;
  let total = 0;
  run.results.forEach((r, i) => {
    const ref = reference[i]!;
    expect(r.probabilities.length).toBe(ref.probabilities.length);
    for (const [j, p] of r.probabilities.entries()) maxAbs = Math.max(maxAbs, Math.abs(p - ref.probabilities[j]!));
    for (const [j, l] of r.labels.entries()) agree += l === ref.labels[j] ? 1 : 0;
    total += r.labels.length;
  });
  return { maxAbs, agreement: agree / total };
}

describe.skipIf(skipReason !== undefined)('browser runtime (Chromium)', () => {
  const executable = findChromium()!;
  let dir: string;
  let server: RunningServer;
  let modelUrl: string;
  let clouds: Cloud[];
  let reference: Array<{ labels: Int32Array; probabilities: Float32Array }>;
  let gpuBrowser: BrowserContext;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pnet-web-'));
    const modelPath = join(dir, 'tiny.onnx');
    const model = tinyOnnxBytes({ category: 'Table' });
    await writeFile(modelPath, model);
    server = await startServer({ model: modelPath, port: 0 });
    modelUrl = `/model/tiny.onnx`;
    clouds = await loadRealClouds();
    expect(clouds.length).toBe(4);

    const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
    reference = [];
    for (const c of clouds) {
      const n = c.xyz.length / 3;
      const out = await session.run({ points: new ort.Tensor('float32', c.xyz, [1, n, 3]) });
      reference.push({
        labels: Int32Array.from(out.labels!.data as BigInt64Array, Number),
        probabilities: out.probabilities!.data as Float32Array,
      });
    }
    await session.release();
    // The comparison means something only if the reference labels vary across points.
    expect(new Set(reference.flatMap((r) => [...r.labels])).size).toBeGreaterThanOrEqual(2);
    gpuBrowser = await launch(executable, true);
  });

  afterAll(async () => {
    await gpuBrowser?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function blankPage(browser: BrowserContext): Promise<Page> {
    const page = await browser.newPage();
    // Any page of our origin will do: it carries COOP/COEP and can import the bundle.
    await page.goto(new URL('/pnet-config.json', server.url).href);
    return page;
  }

  it('WebGPU in the page matches onnxruntime-node CPU on real clouds', async () => {
    const page = await blankPage(gpuBrowser);
    const run = await segmentInPage(page, modelUrl, ['webgpu'], clouds);
    await page.close();
    expect(run.executionProvider).toBe('webgpu');
    expect(run.fallbacks).toEqual([]);
    expect(run.results.every((r) => r.executionProvider === 'webgpu')).toBe(true);
    const { maxAbs, agreement } = compare(run, reference);
    console.log(
      `webgpu vs ort-node cpu: max |Δp| ${maxAbs.toExponential(2)}, labels agree ${(agreement * 100).toFixed(3)}%`,
    );
    expect(maxAbs).toBeLessThanOrEqual(1e-3);
    expect(agreement).toBeGreaterThanOrEqual(0.999);
  });

  it('WASM in the page matches onnxruntime-node CPU, batched and unbatched', async () => {
    const page = await blankPage(gpuBrowser);
    // The first cloud twice: both copies share one batched run and must give the same answer.
    const run = await segmentInPage(page, modelUrl, ['wasm'], [...clouds, clouds[0]!]);
    await page.close();
    expect(run.executionProvider).toBe('wasm');
    const { maxAbs, agreement } = compare(run, [...reference, reference[0]!]);
    console.log(
      `wasm vs ort-node cpu: max |Δp| ${maxAbs.toExponential(2)}, labels agree ${(agreement * 100).toFixed(3)}%`,
    );
    expect(maxAbs).toBeLessThanOrEqual(1e-4);
    expect(agreement).toBeGreaterThanOrEqual(0.999);
  });

  it('the demo page segments a shipped sample on WebGPU and shows parts, backend and latency', async () => {
    const page = await gpuBrowser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForFunction(() => ['segmented', 'error'].includes(document.body.dataset.state ?? ''), null, {
      timeout: 60_000,
    });
    expect(await page.locator('#toast').textContent()).toBe('');
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('segmented');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.locator('#ep').textContent()).toBe('WebGPU');
    expect(await page.locator('#latency').textContent()).toMatch(/^\d+(\.\d)? (ms|s)$/);
    const [firstSample] = JSON.parse(
      await readFile(join(REPO_ROOT, 'runtime/web/demo/samples/index.json'), 'utf8'),
    ) as Array<{ name: string; points: number }>;
    expect(await page.locator('#cloud-name').textContent()).toContain(firstSample!.name);
    expect(await page.locator('#fallback-reason').isHidden()).toBe(true);
    const legend = await page.locator('#legend .part-name').allTextContents();
    expect(legend).toEqual(TINY_CATEGORIES.Table.names);
    const counted = await page.locator('#legend .part-count').allTextContents();
    const total = counted.reduce((n, t) => n + Number(t.split(' ')[0]!.replace(/,/g, '')), 0);
    expect(total).toBe(firstSample!.points);
    // The first WebGPU run compiles shaders and says so; running again reports the warm time.
    expect(await page.locator('#latency-label').textContent()).toBe('First run (+ shaders)');
    await page.click('#rerun');
    await page.waitForFunction(
      () =>
        document.getElementById('latency-label')?.textContent === 'Inference' &&
        document.body.dataset.state === 'segmented',
      null,
      { timeout: 30_000 },
    );
    console.log(`demo on WebGPU (SwiftShader), warm run: ${await page.locator('#latency').textContent()}`);
    // The test model is a Table model: the first sample (an airplane) is segmented but said to be outside what it
    // knows; the Table sample is not.
    expect(await page.locator('#legend .outside').textContent()).toMatch(
      /is in category Airplane; the model knows only Table/,
    );
    await page.click('.chip[data-sample="table-1a00aa6b.pts"]');
    await page.waitForFunction(
      () => document.body.dataset.state === 'segmented' && document.querySelector('#legend .outside') === null,
      null,
      {
        timeout: 30_000,
      },
    );
    expect(await page.locator('#cloud-name').textContent()).toContain('Table · real');
    await mkdir(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, 'web-demo-webgpu.png');
    await page.screenshot({ path: shot });
    expect((await stat(shot)).size).toBeGreaterThan(20_000);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('an int8 model dropped on the demo page replaces the model and segments on WASM as onnxruntime-node does', async () => {
    const int8Path = join(REPO_ROOT, 'models', 'airplane.int8.onnx');
    const int8 = await readFile(int8Path);
    const browser = await launch(executable, false);
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(server.url);
      await page.waitForFunction(() => document.body.dataset.state === 'segmented', null, { timeout: 60_000 });
      expect(await page.locator('#model-precision').textContent()).toBe('float32');
      await page.setInputFiles('#file-input', {
        name: 'airplane.int8.onnx',
        mimeType: 'application/octet-stream',
        buffer: int8,
      });
      await page.waitForFunction(
        () =>
          document.getElementById('model-name')?.textContent === 'airplane.int8.onnx' &&
          document.body.dataset.state === 'segmented',
        null,
        { timeout: 60_000 },
      );
      expect(await page.locator('#toast').textContent()).toBe('');
      expect(await page.locator('#model-precision').textContent()).toBe('int8');
      expect(await page.locator('#model-category').textContent()).toBe('Airplane');
      expect(await page.locator('#ep').textContent()).toBe('WASM');
      expect(await page.locator('#legend .outside').count()).toBe(0);

      // The cloud on screen is the first shipped sample, a real airplane: count its labels with onnxruntime-node.
      const [first] = JSON.parse(
        await readFile(join(REPO_ROOT, 'runtime/web/demo/samples/index.json'), 'utf8'),
      ) as Array<{
        file: string;
      }>;
      const samplePath = join(REPO_ROOT, 'runtime/web/demo/samples', first!.file);
      const xyz = parsePts(await readFile(samplePath, 'utf8'), samplePath);
      const session = await ort.InferenceSession.create(int8, { executionProviders: ['cpu'] });
      const out = await session.run({ points: new ort.Tensor('float32', xyz, [1, xyz.length / 3, 3]) });
      await session.release();
      const labels = Int32Array.from(out.labels!.data as BigInt64Array, Number);
      const expected = [0, 1, 2, 3].map((c) => labels.filter((l) => l === c).length);
      expect(expected.filter((n) => n > 0).length).toBeGreaterThanOrEqual(3);
      const counts = await page.locator('#legend .part-count').allTextContents();
      const perClass = counts.map((t) => Number(t.split(' ')[0]!.replace(/,/g, '')));
      // int8 kernels differ between MLAS and the WASM build; a point on a part boundary may flip, not more than 1%.
      for (const [c, n] of perClass.entries()) expect(Math.abs(n - expected[c]!)).toBeLessThanOrEqual(xyz.length / 300);
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'web-demo-int8.png') });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('falls back to WASM when WebGPU is off, and says why', async () => {
    const browser = await launch(executable, false);
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      await page.waitForFunction(() => ['segmented', 'error'].includes(document.body.dataset.state ?? ''), null, {
        timeout: 60_000,
      });
      expect(await page.evaluate(() => document.body.dataset.state)).toBe('segmented');
      expect(await page.locator('#ep').textContent()).toBe('WASM');
      const reason = page.locator('#fallback-reason');
      expect(await reason.isVisible()).toBe(true);
      expect(await reason.textContent()).toMatch(/^WebGPU unavailable, using WASM: .+/);
      await page.screenshot({ path: join(ARTIFACTS, 'web-demo-wasm-fallback.png') });

      // A file the user picks: a real cloud written as ASCII PLY.
      const table = clouds[2]!.xyz;
      const rows = Array.from(
        { length: table.length / 3 },
        (_, i) => `${table[i * 3]} ${table[i * 3 + 1]} ${table[i * 3 + 2]}`,
      );
      const ply = `ply\nformat ascii 1.0\nelement vertex ${rows.length}\nproperty float x\nproperty float y\nproperty float z\nend_header\n${rows.join('\n')}\n`;
      await page.setInputFiles('#file-input', {
        name: 'table.ply',
        mimeType: 'application/octet-stream',
        buffer: Buffer.from(ply),
      });
      await page.waitForFunction(
        () =>
          document.getElementById('cloud-name')?.textContent === 'table.ply' &&
          document.body.dataset.state === 'segmented',
        null,
        { timeout: 30_000 },
      );
      const counts = await page.locator('#legend .part-count').allTextContents();
      const perClass = counts.map((t) => Number(t.split(' ')[0]!.replace(/,/g, '')));
      const expected = TINY_CATEGORIES.Table.names.map((_, c) => reference[2]!.labels.filter((l) => l === c).length);
      // Same cloud, same model: the legend counts match onnxruntime-node's labels up to a near-tie or two.
      for (const [c, n] of perClass.entries()) expect(Math.abs(n - expected[c]!)).toBeLessThanOrEqual(3);

      const run = await segmentInPage(page, modelUrl, ['webgpu', 'wasm'], clouds.slice(0, 1));
      expect(run.executionProvider).toBe('wasm');
      expect(run.fallbacks.map((f) => f.executionProvider)).toEqual(['webgpu']);
      expect(run.fallbacks[0]!.reason.length).toBeGreaterThan(10);
      console.log(`fallback reason: ${run.fallbacks[0]!.reason}`);
    } finally {
      await browser.close();
    }
  });
});
