import type { Argv } from 'yargs';
import type { PnetCommand } from '../command.ts';
import { DEFAULT_MAX_BATCH, NODE_EXECUTION_PROVIDERS } from '../../../runtime/node/index.ts';
import { DEFAULT_MAX_POINTS } from '../../../runtime/node/node-segmenter.ts';
import {
  EXIT_PARTIAL_FAILURE,
  INFER_FORMATS,
  inferFiles,
  OUTPUTS_MANIFEST,
  reportInfer,
  type InferOptions,
} from '../../infer/index.ts';

/** The options as yargs gives them (multi-word ones kebab-cased; the handler also sees them camel-cased). */
export type InferArgs = Omit<InferOptions, 'plyEncoding'> & { 'ply-encoding': InferOptions['plyEncoding'] };

export const inferCommand: PnetCommand<InferArgs> = {
  builder: (y: Argv) =>
    y
      .positional('model', { type: 'string', demandOption: true, describe: 'pnet .onnx model (from `pnet export`)' })
      .positional('inputs', {
        type: 'string',
        array: true,
        demandOption: true,
        describe:
          'cloud files, folders (searched recursively, following symbolic links; a folder reached twice is read once) ' +
          'or quoted globs of .pts / .ply files (globs do not enter linked folders)',
      })
      .option('ep', { choices: NODE_EXECUTION_PROVIDERS, default: 'cpu' as const, describe: 'execution provider' })
      .option('fallback', {
        choices: ['cpu'] as const,
        describe: 'run on this EP (and say so) when --ep cannot run here, instead of failing',
      })
      .option('out', { type: 'string', default: 'out/infer', describe: "output folder (mirrors the inputs' folders)" })
      .option('format', {
        choices: INFER_FORMATS,
        default: 'seg' as const,
        describe: 'seg: one label per line; ply: cloud coloured by part with a label property; json: labels + classes',
      })
      .option('ply-encoding', {
        choices: ['ascii', 'binary'] as const,
        default: 'binary' as const,
        describe: 'PLY body encoding',
      })
      .option('batch', {
        type: 'number',
        default: DEFAULT_MAX_BATCH,
        describe: 'most clouds of equal size per model run',
      })
      .option('max-points', {
        type: 'number',
        default: DEFAULT_MAX_POINTS,
        describe:
          'most points of a cloud: larger clouds fail (each named), before they take memory; ONNX Runtime needs ' +
          'about 5 KB per point for the lite preset, 19 KB for keras',
      })
      .option('threads', {
        type: 'number',
        describe: 'CPU threads per operator (default: all cores, shared out among --workers)',
      })
      .option('workers', {
        type: 'number',
        default: 1,
        describe:
          'worker threads labelling files in parallel, each with its own model session; the cores are split among ' +
          'them (workers × threads ≤ cores) unless --threads says otherwise',
      })
      .option('eval', {
        type: 'boolean',
        default: false,
        describe:
          "score each cloud against its labels, found from its path: the benchmark's points_label/<id>.seg (1-based part ids), " +
          'PartAnnotation points_label/<part>/<id>.seg (0/1), else <name>.seg beside it (class indices); ' +
          'accuracy, instance mIoU and per-part IoU by the ShapeNet part protocol',
      })
      .option('probabilities', {
        type: 'boolean',
        default: false,
        describe: 'json format: add per-point class probabilities',
      })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: `overwrite files in --out that pnet infer did not write (those it wrote are listed in --out/${OUTPUTS_MANIFEST}); never inputs or their label files`,
      })
      .example(
        '$0 infer airplane.onnx clouds/ --out labels',
        'label every .pts/.ply under clouds/ (one .seg per cloud)',
      )
      .example("$0 infer airplane.onnx 'scans/**/*.pts' --format ply", 'coloured PLY files to open in MeshLab')
      .example('$0 infer airplane.onnx test/ --eval', 'also print accuracy and mIoU where labels exist')
      .example('$0 infer airplane.onnx clouds/ --workers 2', 'two worker threads read and label clouds in parallel')
      .example(
        '$0 infer airplane.onnx clouds/ --ep cuda --fallback cpu',
        'use the GPU when it is set up (`pnet setup cuda`)',
      )
      .epilogue(
        'Exit codes: 0 all clouds labelled; 1 nothing labelled (or a bad model/option); ' +
          `${EXIT_PARTIAL_FAILURE} some clouds failed (each is named on stderr), the rest were written.`,
      ),
  handler: async (args) => reportInfer(await inferFiles(args)),
};

export const { builder, handler } = inferCommand;
