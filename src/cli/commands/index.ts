import type { PnetCommand } from '../command.ts';
import { dataCommand } from './data.ts';
import { doctorCommand } from './doctor.ts';
import { exportCommand } from './export.ts';
import { inferCommand } from './infer.ts';
import { serveCommand } from './serve.ts';
import { setupCommand } from './setup.ts';

/** Every `pnet` command, in the order `--help` lists them. */
export const commands: PnetCommand<any>[] = [dataCommand, exportCommand, inferCommand, serveCommand, setupCommand, doctorCommand];
