import yargs, { type Argv, type ArgumentsCamelCase } from 'yargs';
import { PnetError, isPnetError } from '../core/errors.ts';
import { fsErrorToPnet, isFsError } from '../core/node/fs-errors.ts';
import { commands } from './commands/index.ts';

/** Runs the CLI and returns the exit code. Expected failures print one line, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const cli = yargs(argv)
    .scriptName('pnet')
    .usage('$0 <command> [options]\n\nPointNet part segmentation: data → train → export to ONNX → run anywhere.')
    .strict()
    .demandCommand(1, 'name a command; `pnet --help` lists them')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .epilogue('Docs: README.md. Every command has --help with examples.')
    .fail((msg, err) => {
      if (err) throw err;
      throw new PnetError('BAD_ARGUMENT', msg);
    });
  for (const c of commands) {
    cli.command({
      command: c.command,
      describe: c.describe,
      builder: c.builder as (y: Argv) => Argv,
      handler: async (args: ArgumentsCamelCase) => {
        exitCode = await c.handler(args);
      },
    });
  }
  try {
    await cli.parseAsync();
  } catch (e) {
    return reportError(e);
  }
  return exitCode;
}

export function reportError(e: unknown): number {
  // A file-system failure no command anticipated still names its path in one line.
  if (isFsError(e)) e = fsErrorToPnet(e);
  if (isPnetError(e)) {
    process.stderr.write(`pnet: ${e.describe()}\n`);
    return e.code === 'INTERRUPTED' ? 130 : 1;
  }
  process.stderr.write(`pnet: unexpected error: ${(e as Error)?.stack ?? String(e)}\n`);
  return 70;
}
