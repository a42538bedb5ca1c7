/**
 * A training step worker's work, on any transport: its own TF.js backend holding a copy of the weights, and Adam
 * over moments it shares with the other workers. For each step it trains its shard (shard-step.ts), meeting the
 * other workers in shared memory; between steps it can predict a shard for validation or evaluation.
 */
import type { BackendName } from '../../backend/names.ts';
import { PointNet } from '../../model/pointnet.ts';
import { modelArchitecture } from '../../model/spec.ts';
import { serializeError } from '../../core/error-wire.ts';
import { Adam } from '../adam.ts';
import { predictBatch } from '../step.ts';
import { trainShard } from './shard-step.ts';
import { NonFiniteStep } from '../divergence.ts';
import { abortReductions, SharedReducer } from './shared-reduce.ts';
import type { FromStepWorker, StepWorkerSetup, ToStepWorker } from './protocol.ts';
import type { StepWorkerPort } from './transport.ts';

interface WorkerState {
  model: PointNet;
  optimizer?: Adam;
  nextWeights?: Float32Array;
}

async function start(setup: StepWorkerSetup, startBackend: (name: BackendName) => Promise<unknown>) {
  await startBackend(setup.backend);
  const model = PointNet.create(
    modelArchitecture(setup.preset, setup.numClasses),
    new Map(setup.weights.map((w) => [w.name, w])),
  );
  if (!setup.optimizer) return { model } satisfies WorkerState;
  const { m, v, nextWeights, step } = setup.optimizer;
  const optimizer = new Adam(model.trainableParams());
  optimizer.useMoments({ m: new Float32Array(m), v: new Float32Array(v) }, 'adopt');
  optimizer.step = step;
  return { model, optimizer, nextWeights: new Float32Array(nextWeights) } satisfies WorkerState;
}

/**
 * Starts the backend (`startBackend`, the platform's way of starting a TF.js backend by name), builds the model,
 * says ready (or failed, and exits), then answers train and predict requests until asked to close.
 */
export async function serveStepWorker(
  port: StepWorkerPort,
  setup: StepWorkerSetup,
  startBackend: (name: BackendName) => Promise<unknown>,
): Promise<void> {
  const reply = (message: FromStepWorker) =>
    port.post(message, 'scores' in message ? [message.scores.buffer as ArrayBuffer] : []);
  let state: WorkerState;
  try {
    state = await start(setup, startBackend);
    reply({ type: 'ready' });
  } catch (e) {
    reply({ type: 'failed', error: serializeError(e) });
    port.exit(1);
    return;
  }
  port.onMessage((m: ToStepWorker) => {
    if (m.type === 'close') {
      state.optimizer?.dispose();
      state.model.dispose();
      port.close();
      return;
    }
    try {
      if (m.type === 'train') {
        if (!state.optimizer || !state.nextWeights) throw new Error('this worker was started to predict only');
        const reducer = new SharedReducer(setup.buffers, setup.rank, m.workers);
        const result = trainShard(
          state.model,
          state.optimizer,
          m.shard,
          m.batchClouds,
          m.learningRate,
          reducer,
          state.nextWeights,
          setup.loss,
        );
        reply({ type: 'trained', id: m.id, scores: result.scores });
      } else {
        const result = predictBatch(state.model, m.shard);
        reply({ type: 'predicted', id: m.id, ...result });
      }
    } catch (e) {
      // The others may be waiting for this worker at a barrier. Not after a non-finite step: every worker reaches
      // that verdict from the same shared sums, past the last barrier, and reports it itself.
      if (m.type === 'train' && !(e instanceof NonFiniteStep)) abortReductions(setup.buffers);
      reply({ type: 'error', id: m.id, error: serializeError(e) });
    }
  });
}
