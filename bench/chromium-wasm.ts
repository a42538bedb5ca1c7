/**
 * onnxruntime-web WASM in headless Chromium (the demo's cross-origin-isolated page, so its threads work) against
 * onnxruntime-node CPU at the same thread count, per model file (graph layouts, precisions), batch 1. Every model's
 * session lives in one page per thread count and the runs alternate: a Chromium run of each model, then a Node run
 * of it, round after round, so the machine's drift hits every column alike.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import ort from 'onnxruntime-node';
import { findChromium, launchChromium, CHROMIUM_INSTALL_HINT } from '../src/browser/chromium.ts';
import { startServer } from '../src/serve/index.ts';
import { nodeSessionOptions } from '../runtime/node/index.ts';
import { Rng } from '../src/core/rng.ts';

export interface ChromiumWasmRow<K extends string = string> {
  /** The model's label (its key in the map given). */
  model: K;
  threads: number;
  chromiumMs: number;
  nodeMs: number;
}

export interface ChromiumWasmResult<K extends string = string> {
  rows: ChromiumWasmRow<K>[];
  /** Set when Chromium could not run here. */
  unavailable?: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Creates one segmenter per layout in the page and exposes `__pnetRun(i)`, which times one run in the page. */
const SETUP = `async ({ urls, threads, xyz }) => {
  const lib = await import('/pnet-web.js');
  const segmenters = [];
  for (const url of urls) segmenters.push(await lib.createSegmenter(url, { executionProviders: ['wasm'], numThreads: threads }));
  const cloud = new Float32Array(xyz);
  for (const s of segmenters) await s.segment(cloud);
  window.__pnetRun = async (i) => {
    const t0 = performance.now();
    await segmenters[i].segment(cloud);
    return performance.now() - t0;
  };
  return crossOriginIsolated;
}`;

/** `models`: label → .onnx path; file names must differ (the page fetches each by its name). */
export async function chromiumWasmAgainstNode<K extends string>(
  models: Map<K, string>,
  points: number,
  threadCounts: number[] = [1, 2],
  rounds = 7,
): Promise<ChromiumWasmResult<K>> {
  const executable = findChromium();
  if (!executable) return { rows: [], unavailable: `Chromium not found (${CHROMIUM_INSTALL_HINT})` };
  const labels = [...models.keys()];
  const paths = labels.map((l) => models.get(l)!);
  const rng = new Rng(21);
  const xyz = Float32Array.from({ length: points * 3 }, () => rng.uniform(-1, 1));
  const server = await startServer({ model: paths[0]!, port: 0 });
  let context: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    context = await launchChromium(executable, false);
    const rows: ChromiumWasmRow<K>[] = [];
    for (const threads of threadCounts) {
      const page = await context.newPage();
      // The server serves one model; the page fetches the others from routes answered here, same origin.
      for (const path of paths) {
        const body = await readFile(path);
        await page.route(`**/layouts/${basename(path)}`, (route) =>
          route.fulfill({ body, headers: { 'content-type': 'application/octet-stream' } }),
        );
      }
      await page.goto(new URL('/pnet-config.json', server.url).href);
      const isolated = await page.evaluate(
        `(${SETUP})(${JSON.stringify({ urls: paths.map((p) => `/layouts/${basename(p)}`), threads, xyz: Array.from(xyz) })})`,
      );
      if (!isolated && threads > 1) {
        await page.close();
        return { rows, unavailable: 'the page is not cross-origin isolated, so WASM threads do not start' };
      }
      const sessions = await Promise.all(
        paths.map(async (p) => ort.InferenceSession.create(await readFile(p), nodeSessionOptions('cpu', threads))),
      );
      const feed = { points: new ort.Tensor('float32', xyz, [1, points, 3]) };
      for (const s of sessions) await s.run(feed);
      const chromium: number[][] = labels.map(() => []);
      const node: number[][] = labels.map(() => []);
      try {
        for (let r = 0; r < rounds; r++) {
          for (let i = 0; i < labels.length; i++) {
            chromium[i]!.push((await page.evaluate(`window.__pnetRun(${i})`)) as number);
            const t0 = performance.now();
            await sessions[i]!.run(feed);
            node[i]!.push(performance.now() - t0);
          }
        }
      } finally {
        for (const s of sessions) await s.release();
        await page.close();
      }
      labels.forEach((model, i) => {
        rows.push({ model, threads, chromiumMs: median(chromium[i]!), nodeMs: median(node[i]!) });
      });
    }
    return { rows };
  } catch (e) {
    return { rows: [], unavailable: `Chromium did not run the pages: ${(e as Error).message.split('\n')[0]}` };
  } finally {
    await context?.close();
    await server.close();
  }
}
