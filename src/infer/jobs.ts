/**
 * Where each input's output goes: outputs mirror the inputs' folders under --out, named `<stem>.<format>`. Before
 * anything runs, the plan is checked on real paths (so symbolic links cannot hide a clash): no two inputs share an
 * output, and no output lands on an input or on a label file of any layout, whatever --force says.
 */
import { realpath, stat } from 'node:fs/promises';
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

/** The real path of `p`, which need not exist yet: its nearest existing folder resolved, the rest appended. */
async function realPathOf(p: string): Promise<string> {
  const abs = path.resolve(p);
  const real = await realpath(abs).catch(() => undefined);
  if (real !== undefined) return real;
  const parent = path.dirname(abs);
  return parent === abs ? abs : path.join(await realPathOf(parent), path.basename(abs));
}

const isInside = (child: string, parent: string): boolean =>
  child !== parent && child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);

function refusal(file: string, what: string, outDir: string): PnetError {
  return new PnetError('BAD_ARGUMENT', `--out ${outDir} would overwrite ${what}`, {
    file,
    remedy: 'choose another --out folder (--force never overwrites inputs or their label files)',
  });
}

/**
 * One job per input. Throws BAD_ARGUMENT naming the input when two inputs would share an output, or naming the
 * file when an output would replace an input or a label file.
 */
export async function planJobs(files: readonly string[], outDir: string, format: InferFormat): Promise<Job[]> {
  const base = commonDir(files);
  const byOut = new Map<string, string>();
  const jobs = files.map((file) => {
    const rel = path.relative(base, path.resolve(path.dirname(file)));
    const truthFile = path.join(path.dirname(file), `${stem(file)}.seg`);
    const out = path.join(outDir, rel, `${stem(file)}.${format}`);
    // Refused rather than renamed (x.pts.seg): outputs keep the one name a user and --eval's `<stem>.seg` expect,
    // and one `<stem>.seg` beside both clouds could only be the labels of one of them anyway.
    const other = byOut.get(out);
    if (other !== undefined) {
      throw new PnetError('BAD_ARGUMENT', `would be labelled into ${out}, as ${other} is`, {
        file,
        remedy: 'rename one of them, or label them in separate runs with different --out folders',
      });
    }
    byOut.set(out, file);
    return { file, out, truthFile };
  });
  await refuseInputsAndLabels(jobs, outDir);
  return jobs;
}

/** The real-path check of planJobs: outputs never land on an input or on any layout's label file of one. */
async function refuseInputsAndLabels(jobs: readonly Job[], outDir: string): Promise<void> {
  const inputs = new Map<string, string>();
  // Real label-file path → that path as the user sees it (beside the cloud, or the benchmark's points_label/).
  const labels = new Map<string, string>();
  // PartAnnotation: `<real synset>/points_label\0<stem>.seg` → the synset folder as the user sees it.
  const partLabels = new Map<string, string>();
  const realDirs = new Map<string, Promise<string>>();
  const realDir = (dir: string): Promise<string> => {
    const known = realDirs.get(dir);
    if (known) return known;
    const real = realPathOf(dir);
    realDirs.set(dir, real);
    return real;
  };
  for (const { file } of jobs) {
    inputs.set(await realPathOf(file), file);
    const dir = path.dirname(file);
    const seg = `${stem(file)}.seg`;
    labels.set(path.join(await realDir(dir), seg), path.join(dir, seg));
    const synset = path.dirname(dir);
    const realSynset = await realDir(synset);
    labels.set(path.join(realSynset, 'points_label', seg), path.join(synset, 'points_label', seg));
    partLabels.set(`${path.join(realSynset, 'points_label')}\0${seg}`, synset);
  }
  for (const job of jobs) {
    const real = path.join(await realDir(path.dirname(job.out)), path.basename(job.out));
    const input = inputs.get(real);
    if (input !== undefined) throw refusal(input, 'this input', outDir);
    const label = labels.get(real);
    if (label !== undefined) throw refusal(label, `the label file of ${job.file}`, outDir);
    const synset = partLabels.get(`${path.dirname(path.dirname(real))}\0${path.basename(real)}`);
    if (synset !== undefined) {
      const part = path.basename(path.dirname(real));
      throw refusal(
        path.join(synset, 'points_label', part, path.basename(real)),
        `the label file of part ${part} of ${job.file}`,
        outDir,
      );
    }
  }
}

/**
 * Clouds found in folders or by globs inside --out are pnet infer's own outputs (`--out clouds/out --format ply`):
 * they are not read back as inputs, so a rerun does not label them again into `out/out/`. Files named one by one
 * are kept, and so is everything when an input folder is --out itself or inside it (the user asked for those).
 */
export async function skipOutFolder(
  inputs: readonly string[],
  files: readonly string[],
  outDir: string,
): Promise<{ files: string[]; skipped: number }> {
  const realOut = await realPathOf(outDir);
  for (const input of inputs) {
    if (!(await stat(input).catch(() => undefined))?.isDirectory()) continue;
    const real = await realPathOf(input);
    if (real === realOut || isInside(real, realOut)) return { files: [...files], skipped: 0 };
  }
  const named = new Set(inputs.map((i) => path.resolve(i)));
  const kept: string[] = [];
  for (const file of files) {
    if (!named.has(path.resolve(file)) && isInside(await realPathOf(file), realOut)) continue;
    kept.push(file);
  }
  return { files: kept, skipped: files.length - kept.length };
}
