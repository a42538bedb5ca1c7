/** A text file read whole; a failure is BAD_INPUT naming the file, never a raw fs error. */
import { readFileSync } from 'node:fs';
import { PnetError } from '../errors.ts';

export function readTextFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new PnetError('BAD_INPUT', `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      file,
    });
  }
}
