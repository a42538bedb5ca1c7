import type { Argv } from 'yargs';
import type { PnetCommand } from '../command.ts';
import { BACKEND_NAMES, releaseBackend, selectBackend, type BackendRequest } from '../../backend/index.ts';
import { evaluate, formatEvalReport } from '../../eval/index.ts';

interface EvalArgs {
  model: string;
  data: string;
  category?: string[];
  points?: number;
  maxClouds?: number;
  backend: string;
  workers?: number;
  json: boolean;
}

export const evalCommand: PnetCommand<EvalArgs> = {
  command: 'eval <model>',
  describe: 'Evaluate a run directory or checkpoint: accuracy, per-part IoU, mIoU, confusion matrix',
  builder: (y: Argv) =>
    y
      .positional('model', { type: 'string', demandOption: true, describe: 'run directory (uses best.ckpt) or .ckpt file' })
      .option('data', { type: 'string', demandOption: true, describe: 'dataset directory' })
      .option('category', { type: 'string', array: true, describe: 'categories (default: those the model was trained on)' })
      .option('points', { type: 'number', describe: 'points per cloud (default: the training count)' })
      .option('max-clouds', { type: 'number', describe: 'evaluate at most this many clouds' })
      .option('backend', { type: 'string', choices: ['auto', ...BACKEND_NAMES], default: 'auto', describe: 'TF.js backend' })
      .option('workers', { type: 'number', describe: 'threads the clouds are split across (default: every core on wasm, else 1)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' })
      .example('$0 eval runs/plane --data data/ --category Airplane', 'score the best checkpoint of a run')
      .example('$0 eval runs/plane/last.ckpt --data data/ --json', 'machine-readable report') as unknown as Argv<EvalArgs>,
  handler: async (args) => {
    try {
      const backend = await selectBackend(args.backend as BackendRequest);
      process.stderr.write(`backend: ${backend.name} (${backend.reason})\n`);
      const report = await evaluate({
        model: args.model,
        data: args.data,
        categories: args.category,
        points: args.points,
        maxClouds: args.maxClouds,
        backend: backend.name,
        workers: args.workers,
      });
      console.log(args.json ? JSON.stringify(report, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) : formatEvalReport(report));
      return 0;
    } finally {
      releaseBackend();
    }
  },
};
