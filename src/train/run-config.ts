/**
 * The first step of a training call: the run's config, from the caller's options for a new run, or from last.ckpt
 * (with the options a resume may change) for a resumed one, and the checkpoint resumed from.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CheckpointMeta } from '../checkpoint/format.ts';
import { readCheckpoint } from '../checkpoint/files.ts';
import { PnetError } from '../core/errors.ts';
import type { NamedArray } from '../model/spec.ts';
import type { TrainRequest } from './api.ts';
import { TRAIN_DEFAULTS, validateConfig, withDefaults, type TrainConfig } from './options.ts';
import { checkResumeOptions } from './resume-rules.ts';
import { runPath } from './run-dir.ts';
import { resumeCheckpoint } from './run-safety.ts';

/** The checkpoint a resumed run continues from, its tensors by name. */
export interface ResumedCheckpoint {
  meta: CheckpointMeta;
  tensors: Map<string, NamedArray>;
}

export interface RunConfig {
  config: TrainConfig;
  resumed?: ResumedCheckpoint;
}

/** What runs made before the recipe options existed did: resuming one keeps its schedule and sampling. */
const LEGACY_RECIPE: Partial<TrainConfig> = {
  resample: 'once',
  scaleRange: [1, 1],
  shift: 0,
  rotateUp: false,
  lrSchedule: 'step',
};

/** The run options among a call's options (not where to write, how to report, or how many threads). */
function givenRecipe(options: TrainRequest): Partial<TrainConfig> {
  const {
    out: _out,
    resume: _resume,
    progress: _progress,
    log: _log,
    signal: _signal,
    onStep: _onStep,
    onEpoch: _onEpoch,
    stopAfterSteps: _stop,
    workers: _workers,
    ...recipe
  } = options;
  return Object.fromEntries(Object.entries(recipe).filter(([, v]) => v !== undefined)) as Partial<TrainConfig>;
}

export async function openRunConfig(
  options: TrainRequest,
  runDir: string,
  log: (line: string) => void,
): Promise<RunConfig> {
  return options.resume ? resumeRunConfig(options, runDir, log) : newRunConfig(options, runDir);
}

async function resumeRunConfig(options: TrainRequest, runDir: string, log: (line: string) => void): Promise<RunConfig> {
  const ckptPath = resumeCheckpoint(runDir);
  if (!existsSync(ckptPath)) {
    throw new PnetError('NOT_FOUND', 'no last.ckpt to resume from', {
      file: ckptPath,
      remedy: 'start a new run with --data and --category',
    });
  }
  if (ckptPath !== runPath(runDir, 'last'))
    log(`no last.ckpt (the run stopped between its checkpoint writes); resuming from ${ckptPath}`);
  const ckpt = await readCheckpoint(ckptPath);
  const resumed = { meta: ckpt.meta, tensors: new Map(ckpt.tensors.map((t) => [t.name, t])) };
  const saved = ckpt.meta.config as unknown as TrainConfig;
  // Options added to pnet after the run started take the value that reproduces the old run where one exists
  // (LEGACY_RECIPE), else their default.
  const savedRecipe = { ...TRAIN_DEFAULTS, ...LEGACY_RECIPE, ...saved };
  const { data, epochs, backend, ...recipe } = givenRecipe(options);
  checkResumeOptions(savedRecipe, recipe, options.out);
  const config = validateConfig({
    ...savedRecipe,
    // A moved dataset may be pointed at; the split check proves it holds the same clouds.
    data: data === undefined ? saved.data : resolve(data),
    epochs: epochs ?? saved.epochs,
    backend: backend ?? saved.backend,
  });
  if (config.data !== saved.data) log(`data: reading ${config.data} (the run started on ${saved.data})`);
  return { config, resumed };
}

async function newRunConfig(options: TrainRequest, runDir: string): Promise<RunConfig> {
  if (!options.data)
    throw new PnetError('BAD_ARGUMENT', 'a new run needs its dataset: --data DIR (from code: the `data` option)');
  const user = givenRecipe(options);
  const config = validateConfig(
    withDefaults({ ...user, data: resolve(options.data), categories: options.categories ?? [] }),
  );
  if (existsSync(runPath(runDir, 'last')) || existsSync(runPath(runDir, 'best'))) {
    throw new PnetError('BAD_ARGUMENT', 'this run directory already holds a run', {
      file: runDir,
      remedy: `continue it with \`pnet train --resume ${options.out}\`, or choose another --out`,
    });
  }
  return { config };
}
