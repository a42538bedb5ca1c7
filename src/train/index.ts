/**
 * `train()`: one run directory at a time (run-lock.ts), told as its steps: the run's config (run-config.ts), the
 * data (train-data.ts), the model and optimizer restored (run-state.ts), the epochs (epoch-loop.ts) and their
 * checkpoints (run-checkpoints.ts). The caller's AbortSignal stops after the current step and saves last.ckpt first;
 * `resume` continues a run from it.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { selectBackend } from '../backend/index.ts';
import { checkWasmMemory } from './wasm-memory.ts';
import { PnetError } from '../core/errors.ts';
import { loadPreset } from '../model/preset-files.ts';
import { writeFileAtomic } from '../core/node/atomic-write.ts';
import { ADAM_PREFIX } from './adam.ts';
import { resolveWorkers } from './options.ts';
import { runPath } from './run-dir.ts';
import { createStepExecutor } from './parallel/executor.ts';
import { spawnNodeStepWorker } from './parallel/node-transport.ts';
import { removeRunTemps } from './run-safety.ts';
import { lockRunDir } from './run-lock.ts';
import { openRunConfig } from './run-config.ts';
import { buildTrainData } from './load-train-data.ts';
import { disposeRun, recordedSplit, restoreRun } from './run-state.ts';
import { runEpochs } from './epoch-loop.ts';
import { runDirStore, saveRunCheckpoints } from './run-store.ts';
import { createProgress } from '../core/node/progress.ts';
import type { TrainRequest, TrainResult } from './api.ts';
import { runLossOptions } from './loss.ts';

export { TRAIN_DEFAULTS, type TrainConfig } from './options.ts';
export type { EpochMetrics } from './run-dir.ts';
export type {
  NewRunOptions,
  ResumeRunOptions,
  TrainCallOptions,
  TrainRecipe,
  TrainRequest,
  TrainResult,
  TrainStepProgress,
} from './api.ts';

/** The wide form, `resume` decided at run time; `pnet` exports the union (NewRunOptions | ResumeRunOptions). */
export type TrainOptions = TrainRequest;

/** The error a stop by `signal` ends in: last.ckpt (when any step ran) holds the state to resume from. */
function interruptedError(runDir: string, out: string): PnetError {
  return new PnetError('INTERRUPTED', `training interrupted; ${runPath(runDir, 'last')} holds the state`, {
    remedy: `continue with \`pnet train --resume ${out}\` (from code: train({ out, resume: true }))`,
  });
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const runDir = resolve(options.out);
  if (options.signal?.aborted)
    throw new PnetError('INTERRUPTED', 'training was cancelled before it started; nothing was written', {
      file: options.out,
    });
  const lock = await lockRunDir(runDir, options.out);
  try {
    return await trainLocked(options, runDir);
  } finally {
    await lock.release();
  }
}

/** The run, step by step: its config, the data, the model restored, the epochs, the stop. */
async function trainLocked(options: TrainOptions, runDir: string): Promise<TrainResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { config, resumed } = await openRunConfig(options, runDir, log);

  const staleTemps = await removeRunTemps(runDir);
  if (staleTemps.length > 0) log(`removed ${staleTemps.length} temp file(s) a killed run left in ${runDir}`);

  const backend = await selectBackend(config.backend);
  log(`backend: ${backend.name} (${backend.reason})`);
  const workers = resolveWorkers(options.workers, backend.name, config.batchSize, availableParallelism());
  // Each worker holds its share of the batch in its own wasm heap.
  const preset = loadPreset(config.preset);
  if (backend.name === 'wasm') checkWasmMemory(preset, config.batchSize, config.points, workers);

  const data = await buildTrainData(config, options.progress ?? true, resumed && recordedSplit(resumed));
  log(data.summary);
  const run = restoreRun(config, preset, data.classes, data.split, resumed, log);
  // A resume rewrites it too: config.json says what the run now is (its epoch count, where its data lies).
  await writeFileAtomic(runPath(runDir, 'config'), JSON.stringify(config, null, 2) + '\n');

  const loss = runLossOptions(config, data, log);
  const executor = await createStepExecutor({
    workers,
    backend: backend.name,
    model: run.model,
    optimizer: run.optimizer,
    loss,
    spawn: spawnNodeStepWorker,
  });
  if (workers > 1) log(`workers: ${workers} threads, ${Math.ceil(config.batchSize / workers)} clouds each per step`);

  // The caller's signal (the CLI wires Ctrl-C and SIGTERM to it) stops after the current step.
  const stopRequested = () => options.signal?.aborted ?? false;
  let interrupted: boolean;
  try {
    const completed = await runEpochs({
      run,
      data,
      executor,
      store: runDirStore(runDir),
      progressBar:
        options.progress === false
          ? undefined
          : (label, steps) =>
              createProgress(
                label,
                steps,
                '{bar} {value}/{total} steps | loss {loss} | {rate} clouds/s | ETA {eta_formatted}',
                // A log file gets the same as a line now and then instead of nothing until the epoch ends.
                { write: log },
              ),
      options,
      log,
      stopRequested,
    });
    interrupted = !completed || stopRequested();
    if (interrupted) {
      await saveRunCheckpoints(runDir, run, false);
      log(
        `stopped at epoch ${run.state.epoch + 1}, batch ${run.state.batchInEpoch}; saved ${runPath(runDir, 'last')} (continue with --resume)`,
      );
    }
  } finally {
    await executor.close();
    disposeRun(run);
  }
  const { state, optimizer } = run;
  const result: TrainResult = {
    runDir,
    backend,
    epochsCompleted: state.epoch,
    steps: optimizer.step,
    history: state.history,
    best: { epoch: state.bestEpoch, valMiou: state.bestMiou },
    interrupted,
  };
  if (interrupted && options.stopAfterSteps === undefined) throw interruptedError(runDir, options.out);
  return result;
}

export { ADAM_PREFIX };
