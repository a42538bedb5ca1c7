import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths.ts';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `pnet ARGS` as a user would (a separate process through bin/pnet.js). */
export function runCli(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'pnet.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', ...options.env },
    timeout: options.timeoutMs ?? 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
