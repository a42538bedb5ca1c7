/** Parsing of option values shared by several commands. */

/** `--category Airplane --category Chair` or `--category Airplane,Chair` → ['Airplane', 'Chair']. */
export function parseCategories(values: string[] | string | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const list = (Array.isArray(values) ? values : [values]).flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter(Boolean);
  return list.length > 0 ? list : undefined;
}
