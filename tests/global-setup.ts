/**
 * Once per test run. The web bundle that `pnet serve` and the browser runs build from a checkout goes to a folder
 * outside the checkout (kept between runs, so unchanged sources are not rebuilt). At the end, the run fails if the
 * checkout's files changed while it ran: tests write only into temp folders.
 */
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.ts';

/** Every changed, untracked and ignored path git sees (ignored folders as one line); undefined outside a git checkout. */
function checkoutState(): string | undefined {
  try {
    return execFileSync('git', ['status', '--porcelain', '--ignored=matching', '--untracked-files=normal'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch {
    return undefined;
  }
}

export default function setup(): () => void {
  process.env.PNET_WEB_DIR ??= join(tmpdir(), 'pnet-test-web-bundle');
  const before = checkoutState();
  return () => {
    const after = checkoutState();
    if (before === undefined || after === undefined || after === before) return;
    const was = new Set(before.split('\n'));
    const changed = after.split('\n').filter((l) => l && !was.has(l));
    // vitest reports an error thrown here but still exits 0; the exit code is what CI reads.
    process.exitCode = 1;
    throw new Error(`the test run changed files of the checkout:\n${changed.join('\n')}`);
  };
}
