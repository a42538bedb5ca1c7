/**
 * The Train page's training run, off the page's main thread: rank 0 of the data-parallel steps waits at
 * shared-memory barriers (Atomics.wait), which a page's main thread may not. It spawns the other ranks as nested
 * workers (step-worker.ts) and reports progress, epochs, log lines and the result back to the page.
 */
import { browserStepWorkerSpawner, trainModel } from '../../../src/web-train.ts';
import type { FromTrainWorker, ToTrainWorker } from './train-messages.ts';
import { startOneThreadWasm } from './wasm-one-thread.ts';

const scope = globalThis as unknown as {
  addEventListener(type: 'message', listener: (e: MessageEvent<ToTrainWorker>) => void): void;
  postMessage(message: FromTrainWorker, transfer?: Transferable[]): void;
};
const stop = new AbortController();

function describeError(e: unknown): string {
  const err = e as { describe?: () => string; message?: string };
  return typeof err.describe === 'function' ? err.describe() : (err.message ?? String(e));
}

async function run(request: Extract<ToTrainWorker, { type: 'train' }>['request']): Promise<void> {
  try {
    await startOneThreadWasm();
    const result = await trainModel({
      ...request,
      spawnWorker: browserStepWorkerSpawner(new URL('./step-worker.js', import.meta.url)),
      signal: stop.signal,
      onStep: (step) => scope.postMessage({ type: 'step', step }),
      onEpoch: (record) => scope.postMessage({ type: 'epoch', record }),
      log: (line) => scope.postMessage({ type: 'log', line }),
    });
    scope.postMessage({ type: 'done', result });
  } catch (e) {
    scope.postMessage({ type: 'failed', message: describeError(e) });
  }
}

scope.addEventListener('message', (e) => {
  if (e.data.type === 'stop') stop.abort();
  else void run(e.data.request);
});
