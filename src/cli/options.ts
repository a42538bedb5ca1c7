/** Parsing of option values shared by several commands. */
import { checkPositiveInt } from '../core/validate.ts';

/** `--category Airplane --category Chair` or `--category Airplane,Chair` → ['Airplane', 'Chair']. */
export function parseCategories(values: string[] | string | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const list = (Array.isArray(values) ? values : [values])
    .flatMap((v) => String(v).split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  return list.length > 0 ? list : undefined;
}

/**
 * `--max-clouds N`: a positive integer. 0 or a negative count is refused rather than read as "all" (or, sliced,
 * as "all but the last N").
 */
export function parseMaxClouds(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  checkPositiveInt('--max-clouds', value, ' (leave it out for all clouds)');
  return value;
}
