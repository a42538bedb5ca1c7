/**
 * Runs point clouds through the built browser runtime (pnet-web.js) inside a Chromium page, so tests, the parity
 * matrix and the benchmark drive onnxruntime-web exactly as a web page would.
 */
import type { Page } from 'playwright-core';

export interface PageCloud {
  name: string;
  xyz: Float32Array;
}

export interface PageRunResult {
  labels: number[];
  probabilities: number[];
  ms: number;
  executionProvider: string;
}

export interface PageRun {
  executionProvider: string;
  fallbacks: Array<{ executionProvider: string; reason: string }>;
  /** Fetching the model and creating the session, in ms. */
  loadMs: number;
  results: PageRunResult[];
}

export interface PageRunOptions {
  /** Runs the first cloud once before the measured runs (shader compilation, wasm tier-up). Default false. */
  warmup?: boolean;
  /** Most clouds per run; default the runtime's own. 1 times every cloud on its own. */
  maxBatch?: number;
  /** Where the page imports the runtime from; default `/pnet-web.js` of the page's origin. */
  moduleUrl?: string;
}

/**
 * The code that runs in the page, as source text: a function object would be serialised from whatever the
 * TypeScript loader made of it (tsx adds name helpers, vitest rewrites `import()`), which the page cannot run.
 */
const IN_PAGE = `async ({ moduleUrl, modelUrl, providers, clouds, warmup, maxBatch }) => {
  const lib = await import(moduleUrl);
  const seg = await lib.createSegmenter(modelUrl, { executionProviders: providers });
  try {
    const inputs = clouds.map((c) => new Float32Array(c));
    if (warmup && inputs.length > 0) await seg.segment(inputs[0]);
    const results = await seg.segmentMany(inputs, maxBatch === undefined ? {} : { maxBatch });
    return {
      executionProvider: seg.executionProvider,
      fallbacks: [...seg.fallbacks],
      loadMs: seg.loadMs,
      results: results.map((r) => ({
        labels: Array.from(r.labels),
        probabilities: Array.from(r.probabilities),
        ms: r.ms,
        executionProvider: r.executionProvider,
      })),
    };
  } finally {
    await seg.dispose();
  }
}`;

/** Runs the clouds through pnet-web.js in the page, in one segmentMany call (equal sizes share a run). */
export async function segmentInPage(
  page: Page,
  modelUrl: string,
  providers: string[],
  clouds: PageCloud[],
  options: PageRunOptions = {},
): Promise<PageRun> {
  const arg = {
    moduleUrl: options.moduleUrl ?? '/pnet-web.js',
    modelUrl,
    providers,
    clouds: clouds.map((c) => Array.from(c.xyz)),
    warmup: options.warmup ?? false,
    maxBatch: options.maxBatch,
  };
  return (await page.evaluate(`(${IN_PAGE})(${JSON.stringify(arg)})`)) as PageRun;
}

export interface PageAdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  /** A CPU emulation (SwiftShader): correct results, no speed claims. */
  isFallbackAdapter: boolean;
}

/** The page's WebGPU adapter, or the reason there is none. */
export async function webgpuAdapterInPage(page: Page): Promise<PageAdapterInfo | { problem: string }> {
  return (await page.evaluate(`(async () => {
    if (!('gpu' in navigator)) return { problem: 'navigator.gpu is missing (WebGPU disabled in this browser)' };
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return { problem: 'navigator.gpu.requestAdapter() returned null (no adapter)' };
    const info = adapter.info || {};
    return {
      vendor: info.vendor || '',
      architecture: info.architecture || '',
      description: info.description || '',
      isFallbackAdapter: Boolean(adapter.isFallbackAdapter || info.isFallbackAdapter),
    };
  })()`)) as PageAdapterInfo | { problem: string };
}

export function describePageAdapter(info: PageAdapterInfo): string {
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
  const emulated = info.isFallbackAdapter || /swiftshader/i.test(name);
  return emulated ? `${name} — a CPU emulation of a GPU` : name;
}
