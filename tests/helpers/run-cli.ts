/**
 * The one way tests run pnet: `runPnet` in-process through src/cli/main.ts (the code a user's `pnet` runs, with
 * its exit codes and one-line errors), `runCli` as a separate process through bin/pnet.js where the process
 * itself is under test (start-up, signals, environment). Both turn progress bars off (CI=true).
 */
import { spawnSync } from 'node:child_process';
import { vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { PNET_BIN } from '../paths.ts';

export { PNET_BIN };

export interface PnetRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runPnet(...argv: string[]): Promise<PnetRun> {
  let stdout = '';
  let stderr = '';
  const line = (...a: unknown[]) => `${a.join(' ')}\n`;
  // console is vitest's own in a test worker, so its methods are captured apart from process.stderr.
  const spies = [
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
      stdout += line(...a);
    }),
    vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => {
      stderr += line(...a);
    }),
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
      stderr += line(...a);
    }),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    }),
  ];
  const prevCi = process.env.CI;
  process.env.CI = 'true';
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    if (prevCi === undefined) delete process.env.CI;
    else process.env.CI = prevCi;
    for (const s of spies) s.mockRestore();
  }
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `pnet ARGS` as a user would (a separate process through bin/pnet.js). */
export function runCli(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [PNET_BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', ...options.env },
    timeout: options.timeoutMs ?? 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
