import type { Argv } from 'yargs';
import { parseMaxClouds } from '../options.ts';
import type { PnetCommand } from '../command.ts';
import { isPnetError, PnetError } from '../../core/errors.ts';
import { stopOnSignals } from '../stop-signals.ts';
import { BACKEND_REQUESTS, releaseBackend, type BackendRequest } from '../../backend/index.ts';
import { PRESET_NAMES, type PresetName } from '../../model/spec.ts';
import { train, TRAIN_DEFAULTS, type TrainResult } from '../../train/index.ts';
import { TRAIN_SPLITS, type TrainSplit } from '../../data/index.ts';
import {
  LR_SCHEDULES,
  PRESET_TRAIN_DEFAULTS,
  RESAMPLE_MODES,
  SHORT_CLOUD_MODES,
  type LrSchedule,
  type ResampleMode,
  type ShortCloudMode,
} from '../../train/options.ts';

function scaleRange(values: number[] | undefined): [number, number] | undefined {
  if (values === undefined) return undefined;
  if (values.length !== 2) throw new PnetError('BAD_ARGUMENT', `--scale takes two numbers LO HI, got ${values.length}`);
  return [values[0]!, values[1]!];
}

function doneLine(r: TrainResult): string {
  const model =
    r.best.epoch > 0
      ? `best val mIoU ${r.best.valMiou.toFixed(4)} (epoch ${r.best.epoch})`
      : 'no val split: the model is the last epoch (last.ckpt)';
  return `done: ${r.epochsCompleted} epochs, ${model} → ${r.runDir}\n`;
}

interface TrainArgs {
  data?: string;
  category?: string[];
  preset?: PresetName;
  epochs?: number;
  batchSize?: number;
  points?: number;
  maxClouds?: number;
  backend?: BackendRequest;
  seed?: number;
  lr?: number;
  shortClouds?: ShortCloudMode;
  resample?: ResampleMode;
  scale?: number[];
  shift?: number;
  rotateUp?: boolean;
  jitter?: number;
  lrSchedule?: LrSchedule;
  labelSmoothing?: number;
  balanceParts?: number;
  split?: TrainSplit;
  workers?: number;
  out?: string;
  resume?: string;
}

export const trainCommand: PnetCommand<TrainArgs> = {
  builder: (y: Argv) =>
    y
      .option('data', { type: 'string', describe: 'dataset directory (any supported layout)' })
      .option('category', { type: 'string', array: true, describe: 'category to train on, e.g. Airplane (repeatable)' })
      .option('preset', {
        type: 'string',
        choices: PRESET_NAMES,
        describe: `network widths (default ${TRAIN_DEFAULTS.preset})`,
      })
      .option('epochs', {
        type: 'number',
        describe: `epochs in total (default ${TRAIN_DEFAULTS.epochs}; mid ${PRESET_TRAIN_DEFAULTS.mid.epochs}, lite ${PRESET_TRAIN_DEFAULTS.lite.epochs})`,
      })
      .option('batch-size', { type: 'number', describe: `clouds per step (default ${TRAIN_DEFAULTS.batchSize})` })
      .option('points', { type: 'number', describe: `points sampled per cloud (default ${TRAIN_DEFAULTS.points})` })
      .option('max-clouds', { type: 'number', describe: 'use at most this many clouds (default all)' })
      .option('backend', {
        type: 'string',
        choices: BACKEND_REQUESTS,
        describe: 'TF.js backend (default auto: fastest present)',
      })
      .option('seed', {
        type: 'number',
        describe: `seed for init, sampling, split and shuffling (default ${TRAIN_DEFAULTS.seed})`,
      })
      .option('lr', {
        type: 'number',
        describe: `Adam learning rate at the start (default ${TRAIN_DEFAULTS.learningRate})`,
      })
      .option('lr-schedule', {
        type: 'string',
        choices: LR_SCHEDULES,
        describe: `step: halve every ${TRAIN_DEFAULTS.lrDecayEvery} epochs; cosine: decay to 1% by the last epoch (default keras step, mid and lite cosine)`,
      })
      .option('label-smoothing', {
        type: 'number',
        describe: `ε in [0, 1): train towards (1 − ε) on each point's part plus ε spread over all parts (default ${TRAIN_DEFAULTS.labelSmoothing})`,
      })
      .option('balance-parts', {
        type: 'number',
        describe: `power P in [0, 1]: weight each point by its part's share of the training points to the −P (0.5: inverse square root), so small parts count more (default ${TRAIN_DEFAULTS.balanceParts}: off)`,
      })
      .option('split', {
        type: 'string',
        choices: TRAIN_SPLITS,
        describe:
          'train: train on the train split and keep the best epoch on val; trainval: train on train + val (the final fit, once the recipe is chosen on val), the model is the last epoch (default train)',
      })
      .option('resample', {
        type: 'string',
        choices: RESAMPLE_MODES,
        describe: `draw fresh points from each training cloud every epoch, or sample once (default ${TRAIN_DEFAULTS.resample})`,
      })
      .option('scale', {
        type: 'number',
        array: true,
        describe: `augmentation: per-axis random scale range LO HI (default ${TRAIN_DEFAULTS.scaleRange.join(' ')}; 1 1 turns it off)`,
      })
      .option('shift', {
        type: 'number',
        describe: `augmentation: random shift per axis up to ± this (default ${TRAIN_DEFAULTS.shift})`,
      })
      .option('rotate-up', {
        type: 'boolean',
        describe: 'augmentation: random rotation about the up (y) axis (default off)',
      })
      .option('jitter', {
        type: 'number',
        describe: `augmentation: Gaussian noise std-dev per coordinate (default ${TRAIN_DEFAULTS.jitter})`,
      })
      .option('short-clouds', {
        type: 'string',
        choices: SHORT_CLOUD_MODES,
        describe: `clouds with fewer than --points points: skip them or resample with replacement (default ${TRAIN_DEFAULTS.shortClouds})`,
      })
      .option('workers', {
        type: 'number',
        describe:
          'threads each step is split across, with batch-norm statistics over the whole batch (default: every core on wasm, else 1)',
      })
      .option('out', { type: 'string', describe: 'run directory to create' })
      .option('resume', { type: 'string', describe: 'continue the run in this directory from its last.ckpt' })
      .example(
        '$0 train --data data/ --category Airplane --preset lite --epochs 2 --out runs/plane',
        'a quick run on the narrow preset',
      )
      .example(
        '$0 train --data data/ --category Airplane --out runs/plane-keras',
        'the reference widths and schedule (60 epochs)',
      )
      .example(
        '$0 train --data data/ --category Airplane --preset lite --split trainval --out runs/plane-final',
        'the final fit on train + val with a recipe chosen on val',
      )
      .example('$0 train --resume runs/plane --epochs 10', 'continue a stopped run up to 10 epochs in total')
      .example(
        '$0 train --data data/ --category Airplane --workers 2 --out runs/plane',
        'split every step across two threads',
      ),
  handler: async (args) => {
    if (!args.resume && (!args.data || !args.category?.length || !args.out)) {
      throw new PnetError(
        'BAD_ARGUMENT',
        'pnet train needs --data DIR, --category NAME and --out RUN_DIR (or --resume RUN_DIR)',
      );
    }
    if (args.resume && args.out) {
      throw new PnetError('BAD_ARGUMENT', '--resume and --out both name a run directory; give one of them');
    }
    const stop = stopOnSignals();
    try {
      // With --resume, train() refuses recipe options that differ from the run's instead of ignoring them.
      const r = await train({
        out: (args.resume ?? args.out)!,
        resume: args.resume !== undefined,
        epochs: args.epochs,
        backend: args.backend,
        workers: args.workers,
        progress: true,
        signal: stop.signal,
        data: args.data,
        categories: args.category,
        preset: args.preset,
        batchSize: args.batchSize,
        points: args.points,
        maxClouds: parseMaxClouds(args.maxClouds),
        seed: args.seed,
        learningRate: args.lr,
        shortClouds: args.shortClouds,
        resample: args.resample,
        scaleRange: scaleRange(args.scale),
        shift: args.shift,
        rotateUp: args.rotateUp,
        jitter: args.jitter,
        lrSchedule: args.lrSchedule,
        labelSmoothing: args.labelSmoothing,
        balanceParts: args.balanceParts,
        split: args.split,
      });
      process.stderr.write(doneLine(r));
      return 0;
    } catch (e) {
      // Stopped by a signal: the one-line message, and the exit code of that signal (130 Ctrl-C, 143 SIGTERM).
      if (!stop.signal.aborted || !isPnetError(e) || e.code !== 'INTERRUPTED') throw e;
      process.stderr.write(`pnet: ${e.describe()}\n`);
      return stop.exitCode();
    } finally {
      stop.dispose();
      releaseBackend();
    }
  },
};

export const { builder, handler } = trainCommand;
