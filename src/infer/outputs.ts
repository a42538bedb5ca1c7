/**
 * What `pnet infer` may write into its --out folder: the files it wrote before (listed in a manifest there) and new
 * ones. A file already there that it did not write — a dataset's own label files, say — is refused unless --force,
 * so labelling never overwrites the user's data. Also: an unwritable --out fails once, before any cloud runs, and
 * the temp files a killed run left beside its outputs are removed.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { removeStaleTemps, writeFileAtomic } from '../core/node/atomic-write.ts';
import { PnetError } from '../core/errors.ts';

/** Relative paths (with `/`) of every file pnet infer has written into the folder. */
export const OUTPUTS_MANIFEST = '.pnet-infer-outputs.json';

async function readManifest(file: string): Promise<Set<string>> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return new Set();
  try {
    const list: unknown = JSON.parse(text);
    if (Array.isArray(list) && list.every((e) => typeof e === 'string')) return new Set(list);
  } catch {
    // A damaged manifest vouches for nothing: every existing file then counts as the user's.
  }
  return new Set();
}

const key = (outDir: string, file: string): string => path.relative(outDir, file).split(path.sep).join('/');

/**
 * Checks the planned outputs against what is on disk and records them in the manifest (before any is written, so a
 * run killed half-way may be rerun). Throws BAD_ARGUMENT naming the first file it would overwrite, or FILE_ERROR
 * naming --out when it cannot be written.
 */
export async function claimOutputs(outDir: string, outputs: readonly string[], force: boolean): Promise<void> {
  const info = await stat(outDir).catch(() => undefined);
  if (info && !info.isDirectory()) {
    throw new PnetError('BAD_ARGUMENT', '--out is a file, not a folder', {
      file: outDir,
      remedy: 'choose a folder for --out',
    });
  }
  const manifestFile = path.join(outDir, OUTPUTS_MANIFEST);
  const ours = await readManifest(manifestFile);
  const foreign: string[] = [];
  for (const out of outputs) {
    const existing = await stat(out).catch(() => undefined);
    if (!existing) continue;
    if (existing.isDirectory()) {
      throw new PnetError('BAD_ARGUMENT', 'an output would replace this folder', {
        file: out,
        remedy: 'choose another --out folder',
      });
    }
    if (!force && !ours.has(key(outDir, out))) foreign.push(out);
  }
  if (foreign.length > 0) {
    throw new PnetError(
      'BAD_ARGUMENT',
      `--out already holds ${foreign.length} file(s) pnet infer did not write, which this run would overwrite`,
      { file: foreign[0], remedy: 'choose another --out folder, or pass --force to overwrite them' },
    );
  }
  for (const out of outputs) ours.add(key(outDir, out));
  await writeFileAtomic(manifestFile, JSON.stringify([...ours].sort(), null, 1) + '\n');
  // Temps of this run's outputs left by a killed run (`.<name>.<hex>.tmp`); nothing else is touched.
  const byDir = new Map<string, Set<string>>();
  for (const out of outputs) {
    const names = byDir.get(path.dirname(out)) ?? new Set<string>();
    names.add(path.basename(out));
    byDir.set(path.dirname(out), names);
  }
  for (const [dir, names] of byDir) await removeStaleTemps(dir, (target) => names.has(target));
}
