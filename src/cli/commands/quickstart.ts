import { existsSync } from 'node:fs';
import { checkPositiveInt } from '../../core/validate.ts';
import { join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import type { PnetCommand } from '../command.ts';
import { stopOnSignals } from '../stop-signals.ts';
import { PnetError } from '../../core/errors.ts';
import { BACKEND_REQUESTS, releaseBackend, type BackendRequest } from '../../backend/index.ts';
import { synthesizeDataset, SYNTH_CATEGORY } from '../../data/synth.ts';
import { train } from '../../train/index.ts';
import { resolveCheckpoint } from '../../checkpoint/resolve.ts';
import { exportCheckpointToOnnx } from '../../../exporters/onnx/index.ts';
import { runInfer } from '../../infer/index.ts';
import { writeHoldout } from '../../quickstart/holdout.ts';
import { formatParityTable, runParity } from '../../parity/index.ts';

interface QuickstartArgs {
  out: string;
  clouds: number;
  epochs: number;
  points: number;
  holdout: number;
  backend: BackendRequest;
  seed: number;
  browser: boolean;
}

function step(n: number, title: string): void {
  process.stderr.write(`\n━━ ${n}/5 ${title}\n`);
}

export const quickstartCommand: PnetCommand<QuickstartArgs> = {
  builder: (y: Argv) =>
    y
      .option('out', {
        type: 'string',
        default: 'pnet-quickstart',
        describe: 'folder for the data, run, model and outputs',
      })
      .option('clouds', { type: 'number', default: 160, describe: 'synthetic training clouds to generate' })
      .option('epochs', { type: 'number', default: 6, describe: 'training epochs (lite preset)' })
      .option('points', { type: 'number', default: 1024, describe: 'points sampled per cloud for training' })
      .option('holdout', { type: 'number', default: 8, describe: 'held-out clouds to label with the exported model' })
      .option('backend', {
        default: 'auto' as const,
        choices: BACKEND_REQUESTS,
        describe: 'TF.js backend for training',
      })
      .option('seed', { type: 'number', default: 1, describe: 'seed for data and training' })
      .option('browser', {
        type: 'boolean',
        default: true,
        describe: 'include headless-Chromium rows in the parity table (--no-browser to skip)',
      })
      .example('$0 quickstart', 'everything, with defaults (a few minutes on 2 cores)')
      .example('$0 quickstart --epochs 2 --clouds 64 --no-browser', 'a faster, rougher run'),
  handler: async (a) => {
    checkPositiveInt('--holdout', a.holdout);
    const out = resolve(a.out);
    const dataDir = join(out, 'data');
    const runDir = join(out, 'run');
    const modelPath = join(out, 'airplane.onnx');

    step(1, `data: ${a.clouds} SYNTHETIC airplanes → ${dataDir}`);
    if (existsSync(join(dataDir, 'PartAnnotation'))) process.stderr.write('already there; reusing it\n');
    else await synthesizeDataset(dataDir, { count: a.clouds, seed: a.seed });

    step(2, `train: lite preset, ${a.epochs} epochs → ${runDir}`);
    const resume = existsSync(join(runDir, 'last.ckpt'));
    // Ctrl-C or SIGTERM stops after the current step and saves last.ckpt; a second quickstart resumes it.
    const stop = stopOnSignals();
    const trained = await train({
      ...(resume
        ? { resume: true }
        : {
            data: dataDir,
            categories: [SYNTH_CATEGORY],
            preset: 'lite',
            points: a.points,
            seed: a.seed,
            batchSize: 16,
          }),
      out: runDir,
      epochs: a.epochs,
      backend: a.backend,
      progress: true,
      signal: stop.signal,
    }).finally(() => stop.dispose());
    releaseBackend();
    process.stderr.write(
      `best val mIoU ${trained.best.valMiou.toFixed(3)} (epoch ${trained.best.epoch}) on ${trained.backend.name}\n`,
    );

    step(3, `export: ONNX → ${modelPath}`);
    const checkpoint = await resolveCheckpoint(runDir);
    const report = await exportCheckpointToOnnx(checkpoint, modelPath);
    process.stderr.write(
      `${(report.bytes / 1e6).toFixed(2)} MB, ${(report.flopsPerPoint / 1e6).toFixed(2)} MFLOP per point\n`,
    );

    step(4, `infer: onnxruntime-node CPU on ${a.holdout} held-out clouds (every original point)`);
    const holdout = await writeHoldout(join(out, 'holdout'), a.holdout, a.seed + 1_000_003);
    const inferCode = await runInfer({
      model: modelPath,
      inputs: [join(out, 'holdout')],
      ep: 'cpu',
      out: join(out, 'labels'),
      format: 'ply',
      plyEncoding: 'binary',
      batch: 8,
      eval: true,
      probabilities: false,
    });
    if (inferCode !== 0) return inferCode;

    step(5, 'parity: the same clouds through every runtime here, against TF.js');
    const rows = await runParity({
      checkpoint,
      model: modelPath,
      clouds: holdout.map((c) => ({ name: c.name, xyz: c.xyz })),
      browser: a.browser,
    });
    console.log(formatParityTable(rows));
    const failed = rows.filter((r) => r.status === 'fail');

    console.log(
      `\nmodel: ${modelPath}\nlabelled clouds (coloured .ply): ${join(out, 'labels')}\nsee it in 3-D: npx pnet serve --model ${modelPath}`,
    );
    // A fresh machine has no real data, so the quickstart stays synthetic; say where the real model and recipe are.
    console.log(
      '\nThis model has only seen SYNTHETIC airplanes. For real shapes: models/airplane.onnx is trained on the ShapeNet part ' +
        'Airplane train split (`npx pnet serve` shows it); to train your own, get the benchmark archive, then ' +
        '`npx pnet data fetch --from shapenetcore_partanno_segmentation_benchmark_v0.zip --dest data` and ' +
        '`npx pnet train --data data/shapenetcore_partanno_segmentation_benchmark_v0 --category Airplane --preset lite --out runs/airplane` ' +
        '(see bench/ACCURACY.md).',
    );
    if (failed.length > 0)
      throw new PnetError('PARTIAL_FAILURE', `parity failed for: ${failed.map((r) => r.runtime).join(', ')}`);
    return 0;
  },
};

export const { builder, handler } = quickstartCommand;
