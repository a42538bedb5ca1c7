/**
 * The hostile-input contract, shared by every suite here: run `pnet …` in-process exactly as bin/pnet does
 * (tests/helpers/run-cli.ts: an unexpected error shows as the stack trace and exit 70 a user would see), then check
 * the exit code, that the error is one line naming the file (and line), that no stack trace is printed, and that
 * no file of the user's changed.
 */
import { createHash } from 'node:crypto';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { expect } from 'vitest';

export { runPnet as pnet, type PnetRun } from '../helpers/run-cli.ts';
import type { PnetRun } from '../helpers/run-cli.ts';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The failure contract: exit `code`, an error line `pnet: <file>[:<line>]: <message>` (a `fix:` line may follow),
 * no stack trace, no "unexpected error".
 */
export function expectCleanFailure(
  r: PnetRun,
  want: { code?: number; file: string; line?: number; message?: RegExp },
): void {
  expect(r.stderr, r.stderr).not.toMatch(/\n\s+at |unexpected error/);
  expect(r.code, r.stderr).toBe(want.code ?? 1);
  const where =
    want.line === undefined ? `${escapeRegExp(want.file)}(:\\d+)?` : `${escapeRegExp(want.file)}:${want.line}`;
  const line = r.stderr.split('\n').find((l) => new RegExp(`^pnet: ${where}: `).test(l));
  expect(line, `no "pnet: ${want.file}${want.line ? `:${want.line}` : ''}: …" line in:\n${r.stderr}`).toBeDefined();
  if (want.message) expect(line).toMatch(want.message);
}

/** No stack trace, no unexpected error, whatever the exit code. */
export function expectNoStackTrace(r: PnetRun): void {
  expect(r.stderr, r.stderr).not.toMatch(/\n\s+at |unexpected error/);
  expect(r.code, r.stderr).not.toBe(70);
}

/** Every file, link and folder under `root` with its content hash (or link target), to prove nothing changed. */
export async function snapshot(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const info = await lstat(path);
      const key = relative(root, path);
      if (info.isSymbolicLink()) out.set(key, `link → ${await readlink(path)}`);
      else if (info.isDirectory()) {
        out.set(key, 'dir');
        await walk(path);
      } else
        out.set(
          key,
          `${info.mode.toString(8)} ${createHash('sha256')
            .update(await readFile(path))
            .digest('hex')}`,
        );
    }
  };
  await walk(root);
  return out;
}

export async function expectUnchanged(root: string, before: Map<string, string>): Promise<void> {
  expect(Object.fromEntries(await snapshot(root))).toEqual(Object.fromEntries(before));
}

/** root cannot be denied access to a file, so permission cases are skipped under it. */
export const RUNNING_AS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;
