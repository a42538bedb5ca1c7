/**
 * The Train page in a real Chromium: the committed real ShapeNet clouds dropped as a .zip, trained for two epochs with
 * TF.js in the tab (a train worker splitting each batch across two wasm Web Workers), exported there (a dropped
 * folder of them too, in the test that stops a run); the
 * downloaded checkpoint holds the weights trainModel reaches in Node with two worker threads, the downloaded ONNX
 * file is byte for byte what `pnet export` makes of that checkpoint, and it segments a cloud in onnxruntime-node. Skips (with the reason printed) only when
 * Chromium cannot start.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { chromiumProblem, findChromium, launchChromium } from '../../../src/browser/chromium.ts';
import { parsePointsWithParts } from '../../../src/core/formats/pts.ts';
import { startServer, type RunningServer } from '../../../src/serve/index.ts';
import { exportCheckpointToOnnx } from '../../../exporters/onnx/export-checkpoint.ts';
import { selectBackend } from '../../../src/backend/index.ts';
import { decodeCheckpoint } from '../../../src/checkpoint/format.ts';
import { loadPreset } from '../../../src/model/preset-files.ts';
import { spawnNodeStepWorker } from '../../../src/train/parallel/node-transport.ts';
import { loadDatasetFromFiles, readZipFiles, trainModel } from '../../../src/web-train.ts';
import { expectSameTensors } from '../../train/synthetic-runs.ts';
import { REPO_ROOT } from '../../paths.ts';

const DATA_NAME = 'shapenetcore_partanno_segmentation_benchmark_v0_normal';
// Screenshots go outside the checkout (tests never write into the repository); PNET_TEST_ARTIFACTS keeps them.
const ARTIFACTS = process.env.PNET_TEST_ARTIFACTS ?? join(tmpdir(), 'pnet-test-artifacts');
const DATA_DIR = join(REPO_ROOT, 'tests', 'fixtures', DATA_NAME);

const skipReason = await chromiumProblem();
if (skipReason) console.warn(`skipping the Train page test: ${skipReason}`);

/** The folder as a .zip under DATA_NAME/; `edit` may change a file's text on the way (by its relative path). */
async function zipFolder(dir: string, zipPath: string, edit?: (path: string, text: string) => string): Promise<void> {
  const zip = new yazl.ZipFile();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(dir, p);
      if (e.isDirectory()) await walk(p);
      else
        zip.addBuffer(
          edit ? Buffer.from(edit(rel, await readFile(p, 'utf8'))) : await readFile(p),
          `${DATA_NAME}/${rel}`,
        );
    }
  };
  await walk(dir);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  await writeFile(zipPath, Buffer.concat(chunks));
}

/**
 * Drops a folder from disk on an element as a user drags one from a file manager: Chromium's DevTools drag events
 * carry the path, and the page walks it with the entries API (a file input cannot hand over a folder's tree).
 */
async function dropFolder(page: Page, selector: string, folder: string): Promise<void> {
  const box = await page.locator(selector).boundingBox();
  if (!box) throw new Error(`${selector} is not on screen`);
  const cdp = await page.context().newCDPSession(page);
  const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const data = { items: [], files: [folder], dragOperationsMask: 1 };
  for (const type of ['dragEnter', 'dragOver', 'drop'] as const)
    await cdp.send('Input.dispatchDragEvent', { type, ...at, data });
  await cdp.detach();
}

async function download(page: Page, testId: string, to: string): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  await file.saveAs(to);
  return readFile(to);
}

describe.skipIf(skipReason !== undefined)('Train page (Chromium)', () => {
  let dir: string;
  let server: RunningServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pnet-train-page-'));
    server = await startServer({ port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('trains dropped real clouds on two Web Workers to the weights Node reaches on two threads, exports the bytes pnet export makes of the checkpoint, and segments', async () => {
    const zipPath = join(dir, `${DATA_NAME}.zip`);
    await zipFolder(DATA_DIR, zipPath);
    const browser = await launchChromium(findChromium()!, false);
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(new URL('/train/', server.url).href);
      await page.getByTestId('dataset').setInputFiles(zipPath);
      await expect.poll(() => page.getByTestId('start').isEnabled(), { timeout: 30_000 }).toBe(true);
      // This machine's Chromium reports 2 cores: the page trains on 2 workers.
      expect(await page.locator('#backend-badge').textContent()).toBe('TF.js wasm, 2 workers');
      // With no cloud to show, the viewer draws no frames: a frame loop would take a core from the step workers
      // (WebGL runs in software here).
      const framesInASecond = await page.evaluate(
        () =>
          new Promise<number>((resolve) => {
            let frames = 0;
            const request = window.requestAnimationFrame.bind(window);
            window.requestAnimationFrame = (callback) => {
              frames++;
              return request(callback);
            };
            setTimeout(() => {
              window.requestAnimationFrame = request;
              resolve(frames);
            }, 1000);
          }),
      );
      expect(framesInASecond).toBeLessThanOrEqual(1);
      // Four real clouds: the official lists leave one of each category to train on, so train on both.
      await page.getByTestId('category').selectOption({ label: 'all: Skateboard, Table' });
      await page.getByTestId('epochs').fill('2');
      await page.getByTestId('batch-size').fill('2');
      await page.getByTestId('points').fill('256');
      await page.getByTestId('label-smoothing').fill('0.1');
      await page.getByTestId('balance-parts').fill('0.5');
      await page.getByTestId('start').click();
      // Until it is done or says what went wrong (an error does not end in "done").
      const status = page.getByTestId('status');
      await expect
        .poll(
          async () =>
            (await status.getAttribute('class'))?.includes('error') || /done$/.test((await status.textContent()) ?? ''),
          {
            timeout: 240_000,
            interval: 500,
          },
        )
        .toBe(true);
      expect(await status.textContent()).toMatch(/done$/);
      const statusText = await page.getByTestId('status').textContent();
      console.log(`Train page: ${statusText?.replace(/\n/g, ' | ')}`);
      expect(errors).toEqual([]);
      expect(await page.locator('#curves svg').count()).toBe(1);
      await mkdir(ARTIFACTS, { recursive: true });
      await page.setViewportSize({ width: 1400, height: 900 });
      await page.screenshot({ path: join(ARTIFACTS, 'web-train.png') });

      const onnx = await download(page, 'download-onnx', join(dir, 'page.onnx'));
      const checkpoint = await download(page, 'download-checkpoint', join(dir, 'page.ckpt'));
      // Node, two worker threads, the same wasm build on one thread each, data, seed and recipe (the loss's smoothing and part weights too):
      // the same weights.
      await selectBackend('wasm');
      const nodeRun = await trainModel({
        dataset: loadDatasetFromFiles(readZipFiles(await readFile(zipPath), `${DATA_NAME}.zip`), {}),
        preset: loadPreset('lite'),
        epochs: 2,
        batchSize: 2,
        points: 256,
        labelSmoothing: 0.1,
        balanceParts: 0.5,
        workers: 2,
        spawnWorker: spawnNodeStepWorker,
      });
      expectSameTensors(await decodeCheckpoint(nodeRun.best), await decodeCheckpoint(checkpoint));
      await exportCheckpointToOnnx(join(dir, 'page.ckpt'), join(dir, 'node.onnx'));
      expect(onnx.equals(await readFile(join(dir, 'node.onnx')))).toBe(true);

      const cloudFile = join(DATA_DIR, '04379243', '1a00aa6b75362cc5b324368d54a7416f.txt');
      const { points } = parsePointsWithParts(await readFile(cloudFile, 'utf8'), cloudFile);
      const session = await ort.InferenceSession.create(onnx);
      const n = points.length / 3;
      const out = await session.run({ points: new ort.Tensor('float32', points, [1, n, 3]) });
      expect(out.labels!.dims).toEqual([1, n]);
      await session.release();
    } finally {
      await browser.close();
    }
  }, 300_000);

  it('reads a dropped folder, stops when asked, keeping the best epoch so far, and still exports and offers it', async () => {
    const browser = await launchChromium(findChromium()!, false);
    try {
      const page = await browser.newPage();
      await page.goto(new URL('/train/', server.url).href);
      await dropFolder(page, '#dropzone', DATA_DIR);
      await expect.poll(() => page.getByTestId('start').isEnabled(), { timeout: 30_000 }).toBe(true);
      // The folder's tree, walked in the page: its layout, both categories and the official split lists.
      expect(await page.getByTestId('status').textContent()).toBe('Ready: 4 labelled clouds in Skateboard, Table.');
      expect(await page.locator('#data-split').textContent()).toBe('the official split lists');
      await page.getByTestId('category').selectOption({ label: 'all: Skateboard, Table' });
      await page.getByTestId('epochs').fill('500');
      await page.getByTestId('batch-size').fill('2');
      await page.getByTestId('points').fill('128');
      await page.getByTestId('start').click();
      // Stop once the second epoch is under way: the first epoch's checkpoint is the best so far.
      await expect.poll(() => page.getByTestId('status').textContent(), { timeout: 60_000 }).toMatch(/^Epoch 2\//);
      await page.getByTestId('stop').click();
      await expect.poll(() => page.getByTestId('status').textContent(), { timeout: 60_000 }).toMatch(/done$/);
      expect(await page.getByTestId('status').textContent()).toMatch(/^stopped; kept epoch 1\./);
      expect(await page.getByTestId('download-onnx').isVisible()).toBe(true);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('names a bad file of the dropped data with its line, on the page', async () => {
    const bad = '04379243/1a00aa6b75362cc5b324368d54a7416f.txt';
    const zipPath = join(dir, 'bad.zip');
    await zipFolder(DATA_DIR, zipPath, (path, text) =>
      path === bad
        ? text.replace(/^.*\n.*\n.*\n/, (head) => `${head.split('\n').slice(0, 2).join('\n')}\n1 2 oops\n`)
        : text,
    );
    const browser = await launchChromium(findChromium()!, false);
    try {
      const page = await browser.newPage();
      await page.goto(new URL('/train/', server.url).href);
      await page.getByTestId('dataset').setInputFiles(zipPath);
      await expect
        .poll(() => page.locator('#data-problems').textContent(), { timeout: 30_000 })
        .toContain(`${DATA_NAME}/${bad}:3`);
      const notZip = join(dir, 'not-a.zip');
      await writeFile(notZip, 'hello');
      await page.getByTestId('dataset').setInputFiles(notZip);
      await expect
        .poll(() => page.getByTestId('status').textContent(), { timeout: 30_000 })
        .toMatch(/not-a\.zip.*not a readable zip archive/);
      expect(await page.getByTestId('start').isEnabled()).toBe(false);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
