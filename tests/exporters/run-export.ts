/** Runs `pnet export …` as the CLI does (strict yargs, same command module), capturing stdout and stderr lines. */
import { vi } from 'vitest';
import yargs from 'yargs';
import { exportCommand } from '../../src/cli/commands/export.ts';

export async function pnetExport(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((s: unknown) => void out.push(String(s)));
  const warn = vi.spyOn(console, 'warn').mockImplementation((s: unknown) => void err.push(String(s)));
  let code = -1;
  try {
    await yargs(['export', ...args])
      .strict()
      .fail((msg, e) => {
        throw e ?? new Error(msg);
      })
      .command({ command: 'export <source>', describe: 'export', builder: exportCommand.builder, handler: async (a: never) => void (code = await exportCommand.handler(a)) } as never)
      .parseAsync();
  } finally {
    log.mockRestore();
    warn.mockRestore();
  }
  return { code, out: out.join('\n'), err: err.join('\n') };
}
