import type { PnetCommand } from '../command.ts';
import { doctorCommand } from './doctor.ts';

/** Every `pnet` command, in the order `--help` lists them. */
export const commands: PnetCommand<any>[] = [doctorCommand];
