/**
 * Facts of the ShapeNet part benchmark that its files do not carry: how many parts each category has, in the
 * benchmark's global part-id order (the normal variant labels points with these global ids; benchmark_v0 with
 * 1-based ids local to the category).
 */
export const BENCHMARK_PART_COUNTS: ReadonlyArray<readonly [category: string, parts: number]> = [
  ['Airplane', 4], ['Bag', 2], ['Cap', 2], ['Car', 4], ['Chair', 4], ['Earphone', 3], ['Guitar', 3], ['Knife', 2],
  ['Lamp', 4], ['Laptop', 2], ['Motorbike', 6], ['Mug', 2], ['Pistol', 3], ['Rocket', 3], ['Skateboard', 3],
  ['Table', 3],
];

/** First global part id and part count of a benchmark category, or undefined for a name it does not know. */
export function benchmarkParts(category: string): { first: number; count: number } | undefined {
  let first = 0;
  for (const [name, count] of BENCHMARK_PART_COUNTS) {
    if (name.toLowerCase() === category.toLowerCase()) return { first, count };
    first += count;
  }
  return undefined;
}
