import type { PnetCommand } from '../command.ts';
import { dataCommand } from './data.ts';
import { doctorCommand } from './doctor.ts';
import { evalCommand } from './eval.ts';
import { exportCommand } from './export.ts';
import { inferCommand } from './infer.ts';
import { parityCommand } from './parity.ts';
import { quickstartCommand } from './quickstart.ts';
import { serveCommand } from './serve.ts';
import { setupCommand } from './setup.ts';
import { trainCommand } from './train.ts';

/** Every `pnet` command, in the order `--help` lists them. */
export const commands: PnetCommand<any>[] = [
  quickstartCommand,
  dataCommand,
  trainCommand,
  evalCommand,
  exportCommand,
  inferCommand,
  serveCommand,
  parityCommand,
  setupCommand,
  doctorCommand,
];
