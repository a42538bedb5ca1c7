import type { Argv, ArgumentsCamelCase } from 'yargs';

/**
 * One CLI command: a module per command exports one of these (the wdio-cli shape).
 * `handler` returns the process exit code; throwing a PnetError prints one line and exits 1.
 */
export interface PnetCommand<A = Record<string, unknown>> {
  command: string | string[];
  describe: string;
  builder: (yargs: Argv) => Argv<A>;
  handler: (args: ArgumentsCamelCase<A>) => Promise<number>;
}
