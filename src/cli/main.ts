import yargs, { type Argv, type ArgumentsCamelCase } from 'yargs';
import { PnetError, isPnetError } from '../core/errors.ts';
import { fsErrorToPnet, isFsError } from '../core/node/fs-errors.ts';
import { commandNames, type LoadedCommand } from './command.ts';
import { loadOptional } from '../core/node/optional-packages.ts';
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
  try {
    // Every command is listed; only the one named on the command line is loaded (TF.js, ONNX Runtime… are slow to
    // import), so `pnet --help` and an unknown command load none.
    const named = argv.find((a) => !a.startsWith('-'));
    for (const c of commands) {
      const loaded: LoadedCommand | undefined =
        named !== undefined && commandNames(c).includes(named)
          ? await loadOptional(`pnet ${named}`, c.load)
          : undefined;
      cli.command({
        command: c.command,
        describe: c.describe,
        builder: (loaded?.builder ?? ((y: Argv) => y)) as (y: Argv) => Argv,
        handler: async (args: ArgumentsCamelCase) => {
          if (loaded) exitCode = await loaded.handler(args);
        },
      });
    }
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
