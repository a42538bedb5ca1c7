/**
 * Option checks shared by the CLI and the library, one message shape for each kind of bad value. A choice option is
 * a const list (`PRESET_NAMES`, `LR_SCHEDULES`, …) that types the option, gives yargs its `choices` and is what
 * checkOneOf checks against, so the three cannot drift apart.
 */
import { PnetError } from './errors.ts';

/** Throws BAD_ARGUMENT unless `value` is a positive integer; undefined passes (the option was left out). */
export function checkPositiveInt(name: string, value: number | undefined, note = ''): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
    throw new PnetError('BAD_ARGUMENT', `${name} must be a positive integer${note}, got ${value}`);
  }
}

export function isOneOf<T extends string>(value: unknown, allowed: readonly T[]): value is T {
  return (allowed as readonly unknown[]).includes(value);
}

/** `value` typed as one of `allowed`, or BAD_ARGUMENT naming the option and the choices. */
export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!isOneOf(value, allowed)) {
    throw new PnetError('BAD_ARGUMENT', `${name} must be one of ${allowed.join(', ')}, got "${String(value)}"`);
  }
  return value;
}
