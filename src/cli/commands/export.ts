import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import type { PnetCommand } from '../command.ts';
import { PnetError } from '../../errors.ts';
import { exportCheckpointToOnnx, type ExportReport } from '../../../exporters/onnx/index.ts';

interface ExportArgs {
  source: string;
  onnx?: string;
  fp16: boolean;
  normalize: boolean;
  json: boolean;
}

async function kindOf(p: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(p);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

/** A run directory exports its best checkpoint (best.ckpt), else its latest (last.ckpt); a file is used as is. */
export async function resolveCheckpoint(source: string): Promise<string> {
  const kind = await kindOf(source);
  if (kind === 'file') return source;
  if (kind === 'dir') {
    for (const name of ['best.ckpt', 'last.ckpt']) {
      const candidate = path.join(source, name);
      if ((await kindOf(candidate)) === 'file') return candidate;
    }
    throw new PnetError('NOT_FOUND', 'the run directory has neither best.ckpt nor last.ckpt', {
      file: source,
      remedy: 'train first (`pnet train`), or name a .ckpt file',
    });
  }
  throw new PnetError('NOT_FOUND', 'no such run directory or checkpoint', { file: source });
}

function defaultOutput(source: string, checkpoint: string, fp16: boolean): string {
  const suffix = fp16 ? '.fp16.onnx' : '.onnx';
  if (checkpoint === source) return checkpoint.replace(/\.ckpt$/, '') + suffix;
  return path.join(source, `model${suffix}`);
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export function formatExportReport(r: ExportReport): string {
  const ops = Object.entries(r.opCounts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([op, n]) => `${op} ${n}`)
    .join(', ');
  const m = r.metadata;
  return [
    `wrote ${r.path} (${mb(r.bytes)}, ${m['pnet.precision']}, normalisation: ${m['pnet.normalization']})`,
    `  from ${r.checkpoint} (sha256 ${r.checkpointSha256.slice(0, 16)}…), preset ${m['pnet.preset']}, classes ${m['pnet.classes']}`,
    `  ONNX IR ${r.irVersion}, opset ${r.opset}; ${r.nodeCount} nodes: ${ops}`,
    `  ${(r.flopsPerPoint / 1e6).toFixed(2)} MFLOP per point (${(r.flopsPerCloud / 1e9).toFixed(2)} GFLOP per ` +
      `${r.flopsPoints}-point cloud; MatMul counted as 2 FLOPs per multiply-add, elementwise ops 1 per element, ` +
      'per-cloud T-Net and global terms spread over the points)',
  ].join('\n');
}

export const exportCommand: PnetCommand<ExportArgs> = {
  command: 'export <source>',
  describe: 'Export a trained model (run directory or .ckpt) to one self-contained ONNX file',
  builder: (y: Argv) =>
    y
      .positional('source', {
        type: 'string',
        demandOption: true,
        describe: 'run directory (uses best.ckpt, else last.ckpt) or a checkpoint file',
      })
      .option('onnx', {
        type: 'string',
        describe: 'output .onnx path (default: <run>/model.onnx, or the checkpoint name with .onnx)',
      })
      .option('fp16', {
        type: 'boolean',
        default: false,
        describe: 'float16 weights and compute (half the size); input and outputs stay float32',
      })
      .option('normalize', {
        type: 'boolean',
        default: true,
        describe: 'centre and unit-sphere-scale each cloud inside the graph (--no-normalize: caller does it)',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the export report as JSON' })
      .example('$0 export runs/airplane --onnx airplane.onnx', 'export the best checkpoint of a run')
      .example('$0 export runs/airplane/last.ckpt --onnx airplane.fp16.onnx --fp16', 'half-precision variant')
      .example('$0 export runs/airplane --onnx raw.onnx --no-normalize', 'graph without built-in preprocessing') as Argv<ExportArgs>,
  async handler(args) {
    const checkpoint = await resolveCheckpoint(args.source);
    const out = args.onnx ?? defaultOutput(args.source, checkpoint, args.fp16);
    if (!out.endsWith('.onnx')) {
      throw new PnetError('BAD_ARGUMENT', `--onnx must name a .onnx file, got "${out}"`);
    }
    const report = await exportCheckpointToOnnx(checkpoint, out, { fp16: args.fp16, normalize: args.normalize });
    console.log(args.json ? JSON.stringify(report, null, 2) : formatExportReport(report));
    return 0;
  },
};
