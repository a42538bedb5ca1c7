/**
 * Guards data extraction against a git work tree: data must never land on files the repository tracks. Where git
 * is not installed or the path is not in a work tree there is nothing to guard.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

function nearestExisting(path: string): string {
  let p = path;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
}

function git(args: string[], cwd: string): string | undefined {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

/** The first file git tracks at or under `path`, or undefined when there is none (or no git, or no work tree). */
export function firstTrackedFile(path: string): string | undefined {
  const cwd = nearestExisting(dirname(path));
  const out = git(['ls-files', '--full-name', '-z', '--', path], cwd);
  return out ? out.split('\0').find((f) => f !== '') : undefined;
}

/** True when `path` lies in a git work tree and git does not ignore it (extracted data would show as untracked). */
export function inWorkTreeNotIgnored(path: string): boolean {
  const cwd = nearestExisting(dirname(path));
  if (git(['rev-parse', '--is-inside-work-tree'], cwd)?.trim() !== 'true') return false;
  // check-ignore exits 1 (an error to execFileSync) when the path is not ignored.
  return git(['check-ignore', '-q', '--no-index', path], cwd) === undefined;
}
