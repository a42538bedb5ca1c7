/** Step workers as Node worker threads: the setup travels as workerData, a close waits for the thread's exit. */
import { Worker } from 'node:worker_threads';
import type { FromStepWorker } from './protocol.ts';
import type { StepWorkerLink, StepWorkerSpawner } from './transport.ts';

// From the sources, a plain .mjs that registers tsx (worker threads do not inherit the parent's module hooks);
// from the build, the compiled step worker itself.
export const WORKER_ENTRY = new URL(
  import.meta.url.endsWith('.ts') ? './worker-entry.mjs' : './step-worker.js',
  import.meta.url,
);
const CLOSE_GRACE_MS = 5000;

export const spawnNodeStepWorker: StepWorkerSpawner = (setup) => {
  const worker = new Worker(WORKER_ENTRY, { workerData: setup });
  const link: StepWorkerLink = {
    post: (message) => worker.postMessage(message),
    onMessage(listener: (m: FromStepWorker) => void) {
      worker.on('message', listener);
      return () => worker.off('message', listener);
    },
    onFailure(listener) {
      const onError = (e: Error) => listener(`failed: ${e.message}`);
      const onExit = (code: number) => listener(`stopped (exit code ${code})`);
      worker.on('error', onError);
      worker.on('exit', onExit);
      return () => {
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
    },
    async close() {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ type: 'close' });
      const timer = setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
    terminate: async () => {
      await worker.terminate();
    },
  };
  return link;
};
