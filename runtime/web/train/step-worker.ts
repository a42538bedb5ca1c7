/** A step worker of the Train page's data-parallel training (spawned by train-worker.ts): one wasm thread. */
import { serveBrowserStepWorker } from '../../../src/web-train.ts';
import { startOneThreadWasm } from './wasm-one-thread.ts';

serveBrowserStepWorker(startOneThreadWasm);
