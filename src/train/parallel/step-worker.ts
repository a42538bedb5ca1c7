/** Entry of a Node training step worker (a worker thread; started through worker-entry.mjs from the sources). */
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../../backend/index.ts';
import type { StepWorkerSetup } from './protocol.ts';
import { serveStepWorker } from './step-worker-loop.ts';

if (!parentPort) throw new Error('step-worker.ts runs only as a worker thread');
const port = parentPort;

await serveStepWorker(
  {
    post: (message, transfer) => port.postMessage(message, transfer),
    onMessage: (listener) => port.on('message', listener),
    close: () => port.close(),
    exit: (code) => process.exit(code),
  },
  workerData as StepWorkerSetup,
  selectBackend,
);
