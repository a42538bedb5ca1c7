import type { Argv } from 'yargs';
import { parseMaxClouds } from '../options.ts';
import type { PnetCommand } from '../command.ts';
import { BACKEND_REQUESTS, releaseBackend, selectBackend, type BackendRequest } from '../../backend/index.ts';
import { EVAL_SPLITS, evaluate, formatEvalReport, type EvalSplit } from '../../eval/index.ts';
import { recordEvalInCheckpoint } from '../../eval/record.ts';

interface EvalArgs {
  model: string;
  data: string;
  category?: string[];
  points?: number;
  'all-points': boolean;
  split: EvalSplit;
  maxClouds?: number;
  backend: BackendRequest;
  workers?: number;
  json: boolean;
  record: boolean;
}

export const evalCommand: PnetCommand<EvalArgs> = {
  builder: (y: Argv) =>
    y
      .positional('model', {
        type: 'string',
        demandOption: true,
        describe: 'run directory (uses best.ckpt) or .ckpt file',
      })
      .option('data', { type: 'string', demandOption: true, describe: 'dataset directory' })
      .option('category', {
        type: 'string',
        array: true,
        describe: 'categories (default: those the model was trained on)',
      })
      .option('points', { type: 'number', describe: 'points sampled per cloud (default: the training count)' })
      .option('all-points', {
        type: 'boolean',
        default: false,
        describe: 'score every original point of each cloud (each whole cloud normalised as one), not a sample',
      })
      .option('split', {
        choices: EVAL_SPLITS,
        default: 'all' as const,
        describe:
          'which clouds: all, or the train/val split the run used (official lists when the dataset has them) or the official test list',
      })
      .option('max-clouds', { type: 'number', describe: 'evaluate at most this many clouds' })
      .option('backend', {
        choices: BACKEND_REQUESTS,
        default: 'auto' as const,
        describe: 'TF.js backend',
      })
      .option('workers', {
        type: 'number',
        describe: 'threads the clouds are split across (default: every core on wasm, else 1)',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' })
      .option('record', {
        type: 'boolean',
        default: false,
        describe:
          "write the figures into the checkpoint, so `pnet export` puts them in the model's metadata (pnet.metrics)",
      })
      .example('$0 eval runs/plane --data data/ --category Airplane', 'score the best checkpoint of a run')
      .example(
        '$0 eval runs/plane --data data/ --split val --all-points',
        'the val split, every original point: the figures to compare with the PointNet paper',
      )
      .example(
        '$0 eval runs/plane --data data/ --split val --all-points --record',
        'score, then keep the figures with best.ckpt for the export',
      )
      .example('$0 eval runs/plane/last.ckpt --data data/ --json', 'machine-readable report'),
  handler: async (args) => {
    try {
      const backend = await selectBackend(args.backend);
      process.stderr.write(`backend: ${backend.name} (${backend.reason})\n`);
      const report = await evaluate({
        model: args.model,
        data: args.data,
        categories: args.category,
        points: args.points,
        allPoints: args.allPoints,
        split: args.split,
        maxClouds: parseMaxClouds(args.maxClouds),
        backend: backend.name,
        workers: args.workers,
      });
      console.log(
        args.json
          ? JSON.stringify(report, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)
          : formatEvalReport(report),
      );
      if (args.record) {
        const added = await recordEvalInCheckpoint(report);
        process.stderr.write(`recorded ${Object.keys(added).length} figures in ${report.checkpoint}\n`);
      }
      return 0;
    } finally {
      releaseBackend();
    }
  },
};

export const { builder, handler } = evalCommand;
