import type { Argv, ArgumentsCamelCase } from 'yargs';

/**
 * What a command's module exports (as `builder` and `handler`; the wdio-cli shape, less name and description,
 * which live in the command table, commands/index.ts). `handler` returns the process exit code; throwing a
 * PnetError prints one line and exits 1.
 */
export interface PnetCommand<A = Record<string, unknown>> {
  builder: (yargs: Argv) => Argv<A>;
  handler: (args: ArgumentsCamelCase<A>) => Promise<number>;
}

/** One row of the command table: what `pnet --help` lists, and how to load the command when it runs. */
export interface CommandEntry {
  command: string | string[];
  describe: string;
  load: () => Promise<LoadedCommand>;
}

/** A command module as the table loads it: any command's arguments. */
export interface LoadedCommand {
  builder: (yargs: Argv) => Argv<any>;
  handler: (args: any) => Promise<number>;
}

/** The names a command answers to: the first word of its command string and of each alias. */
export function commandNames(entry: CommandEntry): string[] {
  const forms = Array.isArray(entry.command) ? entry.command : [entry.command];
  return forms.map((f) => f.trim().split(/\s+/)[0]!);
}
