/**
 * onnxruntime-web in headless Chromium, through the built browser runtime (pnet-web.js) served by `pnet serve`'s
 * server: the WebGPU EP and the WASM EP, each in its own session, in one page.
 */
import { basename } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { findChromium, launchChromium, CHROMIUM_INSTALL_HINT } from '../../browser/chromium.ts';
import { describePageAdapter, segmentInPage, webgpuAdapterInPage, type PageRun } from '../../browser/page-runner.ts';
import { startServer, type RunningServer } from '../../serve/index.ts';
import type { CloudOutput, ParityCloud, RuntimeOutcome } from '../types.ts';

export interface ChromiumRunner {
  webgpu(clouds: ParityCloud[]): Promise<RuntimeOutcome>;
  wasm(clouds: ParityCloud[]): Promise<RuntimeOutcome>;
  close(): Promise<void>;
}

function toOutcome(run: PageRun, note?: string): RuntimeOutcome {
  const outputs: CloudOutput[] = run.results.map((r) => ({
    probabilities: Float32Array.from(r.probabilities),
    labels: Int32Array.from(r.labels),
  }));
  const msEach = run.results.map((r) => r.ms);
  const msPerCloud = msEach.reduce((a, b) => a + b, 0) / Math.max(1, msEach.length);
  return { ran: true, outputs, msPerCloud, msEach, note };
}

/** Starts Chromium and the server for `modelPath`; or says why Chromium cannot run here. */
export async function openChromiumRunner(modelPath: string): Promise<ChromiumRunner | { unavailable: string }> {
  const executable = findChromium();
  if (!executable) return { unavailable: `Chromium not found (${CHROMIUM_INSTALL_HINT})` };
  let context: BrowserContext;
  try {
    context = await launchChromium(executable, true);
  } catch (e) {
    return { unavailable: `Chromium at ${executable} does not start: ${(e as Error).message.split('\n')[0]}` };
  }
  let server: RunningServer | undefined;
  let page: Page;
  try {
    server = await startServer({ model: modelPath, port: 0 });
    page = await context.newPage();
    // Any page of our origin will do: it carries COOP/COEP and can import the bundle.
    await page.goto(new URL('/pnet-config.json', server.url).href);
  } catch (e) {
    await context.close();
    await server?.close();
    throw e;
  }
  const modelUrl = `/model/${encodeURIComponent(basename(modelPath))}`;
  const options = { warmup: true, maxBatch: 1 };
  return {
    async webgpu(clouds) {
      const adapter = await webgpuAdapterInPage(page);
      if ('problem' in adapter) return { ran: false, reason: `no WebGPU in Chromium: ${adapter.problem}` };
      return toOutcome(await segmentInPage(page, modelUrl, ['webgpu'], clouds, options), describePageAdapter(adapter));
    },
    async wasm(clouds) {
      return toOutcome(await segmentInPage(page, modelUrl, ['wasm'], clouds, options), 'cross-origin-isolated page');
    },
    async close() {
      await context.close();
      await server!.close();
    },
  };
}
