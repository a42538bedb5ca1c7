/**
 * How the parallel executor talks to its step workers, whatever runs them: Node's worker_threads
 * (node-transport.ts) or a page's module Web Workers (browser-transport.ts). Keeping executor.ts and the step
 * worker's message handling behind these two faces lets the same code run in Node and in a browser.
 */
import type { FromStepWorker, StepWorkerSetup, ToStepWorker } from './protocol.ts';

/** The executor's end of one step worker. */
export interface StepWorkerLink {
  post(message: ToStepWorker): void;
  /** Every message the worker sends; returns the unsubscribe. */
  onMessage(listener: (message: FromStepWorker) => void): () => void;
  /** The worker died (an uncaught error or its exit); `what` says how, e.g. "stopped (exit code 1)". */
  onFailure(listener: (what: string) => void): () => void;
  /** Asks the worker to close and waits until it has gone (forcing it after a grace period). */
  close(): Promise<void>;
  /** Ends the worker at once. */
  terminate(): Promise<void>;
}

/** Starts a step worker holding `setup` (its rank, the weights, the shared buffers). */
export type StepWorkerSpawner = (setup: StepWorkerSetup) => StepWorkerLink;

/** The worker's end: what step-worker-loop.ts needs of wherever it runs. */
export interface StepWorkerPort {
  post(message: FromStepWorker, transfer: ArrayBuffer[]): void;
  onMessage(listener: (message: ToStepWorker) => void): void;
  /** Stops taking messages so the worker can end (after `close`). */
  close(): void;
  /** Ends the worker after a failed start. */
  exit(code: number): void;
}
