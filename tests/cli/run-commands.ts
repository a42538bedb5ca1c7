/**
 * Runs pnet commands in-process through yargs the way src/cli/main.ts does (strict parsing, PnetError → one line
 * and exit code), capturing what they print, so command tests need no subprocess.
 */
import yargs from 'yargs';
import { vi } from 'vitest';
import { PnetError, isPnetError } from '../../src/core/errors.ts';
import { commandNames } from '../../src/cli/command.ts';
import { commands as commandTable } from '../../src/cli/commands/index.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `argv` with the commands named in `names` (as the command table lists them) registered. */
export async function runCommands(names: string[], argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    stdout += a.join(' ') + '\n';
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  let code = 0;
  try {
    const cli = yargs(argv)
      .scriptName('pnet')
      .strict()
      .exitProcess(false)
      .fail((msg, e) => {
        throw e ?? new PnetError('BAD_ARGUMENT', msg);
      });
    for (const entry of commandTable.filter((e) => commandNames(e).some((n) => names.includes(n)))) {
      const c = await entry.load();
      cli.command({
        command: entry.command,
        describe: entry.describe,
        builder: c.builder as never,
        handler: async (args: any) => {
          code = await c.handler(args);
        },
      });
    }
    await cli.parseAsync();
  } catch (e) {
    if (!isPnetError(e)) throw e;
    stderr += `pnet: ${e.describe()}\n`;
    code = e.code === 'INTERRUPTED' ? 130 : 1;
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
  return { code, stdout, stderr };
}
