/**
 * Step workers as a page's module Web Workers. Browsers have no workerData, so the setup (weights, shared buffers)
 * is the first message a worker gets; a Web Worker has no exit event either, so closing one ends it outright.
 */
import type { BackendName } from '../../backend/names.ts';
import type { FromStepWorker, StepWorkerSetup, ToStepWorker } from './protocol.ts';
import { serveStepWorker } from './step-worker-loop.ts';
import type { StepWorkerLink, StepWorkerSpawner } from './transport.ts';

/** Spawns step workers from the module at `entry` (a script that calls serveBrowserStepWorker). */
export function browserStepWorkerSpawner(entry: URL | string): StepWorkerSpawner {
  return (setup) => {
    const worker = new Worker(entry, { type: 'module' });
    worker.postMessage(setup);
    const link: StepWorkerLink = {
      post: (message) => worker.postMessage(message),
      onMessage(listener) {
        const onMessage = (e: MessageEvent<FromStepWorker>) => listener(e.data);
        worker.addEventListener('message', onMessage);
        return () => worker.removeEventListener('message', onMessage);
      },
      onFailure(listener) {
        const onError = (e: ErrorEvent) => listener(`failed: ${e.message || 'an error the browser does not show'}`);
        const onMessageError = () => listener('failed: a message could not be read');
        worker.addEventListener('error', onError);
        worker.addEventListener('messageerror', onMessageError);
        return () => {
          worker.removeEventListener('error', onError);
          worker.removeEventListener('messageerror', onMessageError);
        };
      },
      async close() {
        worker.postMessage({ type: 'close' } satisfies ToStepWorker);
        worker.terminate();
      },
      terminate: async () => worker.terminate(),
    };
    return link;
  };
}

/** What a dedicated worker's global offers (the DOM lib here has no WebWorker types). */
interface WorkerScope {
  addEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
  postMessage(message: unknown, transfer: Transferable[]): void;
  close(): void;
}

/** The worker's side: takes the setup from the first message, then serves steps (step-worker-loop.ts). */
export function serveBrowserStepWorker(startBackend: (name: BackendName) => Promise<unknown>): void {
  const scope = globalThis as unknown as WorkerScope;
  const queued: ToStepWorker[] = [];
  let deliver: ((message: ToStepWorker) => void) | undefined;
  let setup: StepWorkerSetup | undefined;
  scope.addEventListener('message', (e: MessageEvent<StepWorkerSetup | ToStepWorker>) => {
    if (!setup) {
      setup = e.data as StepWorkerSetup;
      void serveStepWorker(
        {
          post: (message, transfer) => scope.postMessage(message, transfer),
          onMessage(listener) {
            deliver = listener;
            for (const m of queued.splice(0)) listener(m);
          },
          close: () => scope.close(),
          exit: () => scope.close(),
        },
        setup,
        startBackend,
      );
      return;
    }
    // Requests sent before the worker started serving wait for it.
    const message = e.data as ToStepWorker;
    if (deliver) deliver(message);
    else queued.push(message);
  });
}
