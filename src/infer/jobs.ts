/** Where each input's output and truth labels go: outputs mirror the inputs' folders under --out. */
import path from 'node:path';
import { PnetError } from '../core/errors.ts';

export const INFER_FORMATS = ['seg', 'ply', 'json'] as const;
export type InferFormat = (typeof INFER_FORMATS)[number];

export interface Job {
  file: string;
  out: string;
  /** `<stem>.seg` beside the input: ground truth for --eval. */
  truthFile: string;
}

function stem(file: string): string {
  return path.basename(file, path.extname(file));
}

/** Deepest folder that contains every input, so outputs mirror the inputs' relative layout. */
function commonDir(files: readonly string[]): string {
  const parts = files.map((f) => path.resolve(path.dirname(f)).split(path.sep));
  const first = parts[0]!;
  let n = first.length;
  for (const p of parts) {
    let i = 0;
    while (i < n && i < p.length && p[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(path.sep) || path.sep;
}

/** One job per input; throws BAD_ARGUMENT when an output would replace an input or a label file. */
export function planJobs(files: readonly string[], outDir: string, format: InferFormat): Job[] {
  const base = commonDir(files);
  return files.map((file) => {
    const rel = path.relative(base, path.resolve(path.dirname(file)));
    const truthFile = path.join(path.dirname(file), `${stem(file)}.seg`);
    const out = path.join(outDir, rel, `${stem(file)}.${format}`);
    // The benchmark layout keeps labels in a sibling folder: never write over those either.
    const layoutLabel = path.join(path.dirname(path.dirname(path.resolve(file))), 'points_label', `${stem(file)}.seg`);
    if (path.resolve(out) === layoutLabel) {
      throw new PnetError('BAD_ARGUMENT', `--out ${outDir} would overwrite the label file ${layoutLabel}`, {
        remedy: 'choose another --out folder',
      });
    }
    if (path.resolve(out) === path.resolve(truthFile)) {
      throw new PnetError('BAD_ARGUMENT', `--out ${outDir} would overwrite the label file ${truthFile}`, {
        remedy: 'choose another --out folder',
      });
    }
    if (path.resolve(out) === path.resolve(file)) {
      throw new PnetError('BAD_ARGUMENT', `--out ${outDir} would overwrite the input ${file}`, {
        remedy: 'choose another --out folder',
      });
    }
    return { file, out, truthFile };
  });
}
