import type { Argv } from 'yargs';
import type { PnetCommand } from '../command.ts';
import { PnetError } from '../../core/errors.ts';
import { writeFileAtomic } from '../../core/node/atomic-write.ts';
import { createProgress } from '../../core/node/progress.ts';
import { formatParityTable, parityClouds, parityPassed, runParity, type ParityRow } from '../../parity/index.ts';
import { readCheckpoint } from '../../checkpoint/files.ts';
import { resolveCheckpoint } from '../../checkpoint/resolve.ts';

interface ParityArgs {
  source?: string;
  model?: string;
  int8?: string;
  data?: string;
  clouds: number;
  browser: boolean;
  tfBackend?: string[];
  markdown?: string;
}

function summary(rows: ParityRow[]): string {
  const count = (s: ParityRow['status']) => rows.filter((r) => r.status === s).length;
  const failed = rows.filter((r) => r.status === 'fail').map((r) => r.runtime);
  const head = `${count('pass')} passed, ${count('fail')} failed, ${count('skipped')} skipped`;
  return failed.length === 0
    ? `${head}: every runtime that ran matches TF.js within tolerance`
    : `${head}: ${failed.join(', ')} outside tolerance`;
}

export const parityCommand: PnetCommand<ParityArgs> = {
  builder: (y: Argv) =>
    y
      .positional('source', {
        type: 'string',
        describe:
          'run directory (best.ckpt, else last.ckpt) or checkpoint; default: a deterministic random-weight lite model',
      })
      .option('model', { type: 'string', describe: 'ONNX file to check (default: a fresh export of the checkpoint)' })
      .option('int8', {
        type: 'string',
        describe:
          'also check this int8 export of the checkpoint (pnet export --int8) on onnxruntime-node CPU and onnxruntime-web WASM, against the same TF.js reference (labels ≥ 99%)',
      })
      .option('data', {
        type: 'string',
        describe:
          "dataset folder to take clouds from (default: the real ShapeNet clouds shipped as demo samples); a trained model's own categories where the clouds hold them",
      })
      .option('clouds', { type: 'number', default: 4, describe: 'how many clouds to run' })
      .option('browser', {
        type: 'boolean',
        default: true,
        describe: 'run the Chromium rows (--no-browser skips them)',
      })
      .option('tf-backend', {
        type: 'string',
        array: true,
        describe: 'TF.js backends to run (default: every one present; cpu is the reference)',
      })
      .option('markdown', { type: 'string', describe: 'also write the table to this Markdown file' })
      .example('$0 parity', 'random-weight model on the real sample clouds, every runtime present')
      .example('$0 parity runs/airplane --clouds 8 --markdown parity.md', 'a trained run, table saved')
      .example(
        '$0 parity runs/airplane --int8 airplane.int8.onnx --data data/shapenet',
        'an int8 export beside the fp32 one, real clouds',
      )
      .example(
        '$0 parity runs/airplane/best.ckpt --model airplane.onnx --no-browser',
        'check a given export, Node only',
      ),
  async handler(args) {
    const checkpoint = args.source ? await resolveCheckpoint(args.source) : undefined;
    for (const [flag, given] of [
      ['--model', args.model],
      ['--int8', args.int8],
    ] as const) {
      if (given && !checkpoint) {
        throw new PnetError('BAD_ARGUMENT', `${flag} needs the checkpoint it was exported from`, {
          remedy: `pnet parity RUN_DIR ${flag} ${flag === '--int8' ? 'M.int8.onnx' : 'M.onnx'}`,
        });
      }
    }
    // A trained model is checked on clouds of its own categories: int8 labels are held to fp32's only there.
    const categories = checkpoint ? (await readCheckpoint(checkpoint)).meta.category : undefined;
    const { clouds, source } = parityClouds({ dataDir: args.data, count: args.clouds, categories });
    const tfBackends = args.tfBackend
      ?.flatMap((b) => b.split(','))
      .map((b) => b.trim())
      .filter(Boolean);
    const modelLine = checkpoint
      ? `model: ${checkpoint}${args.model ? ` against ${args.model}` : ' (exported afresh)'}${args.int8 ? `; int8: ${args.int8}` : ''}`
      : 'model: random weights (lite preset, seed 1), exported afresh';
    const points = clouds.reduce((n, c) => n + c.xyz.length / 3, 0);
    const bar = createProgress('parity', 1, '{bar} {value}/{total} {runtime}');
    bar.update(0, { runtime: 'loading the model' });
    let rows: ParityRow[];
    try {
      rows = await runParity({
        checkpoint,
        model: args.model,
        int8Model: args.int8,
        clouds,
        browser: args.browser,
        tfBackends,
        onProgress: (done, total, runtime) => {
          bar.setTotal(total);
          bar.update(done, { runtime });
        },
      });
    } finally {
      bar.stop();
    }
    const report = [
      `# Runtime parity`,
      '',
      `${modelLine}; ${clouds.length} clouds (${points} points) from ${source}.`,
      'TF.js gets unit-sphere-normalised points; the ONNX runtimes get raw xyz (the graph normalises).',
      '',
      formatParityTable(rows),
      summary(rows),
      '',
    ].join('\n');
    console.log(report.trimEnd());
    if (args.markdown) await writeFileAtomic(args.markdown, report);
    return parityPassed(rows) ? 0 : 1;
  },
};

export const { builder, handler } = parityCommand;
