/**
 * Facts of the ShapeNet part benchmark that its files do not carry: the part names of each category, in the
 * benchmark's global part-id order (the normal variant labels points with these global ids 0–49; benchmark_v0
 * with 1-based ids local to the category, so a category's n-th name is its id n).
 *
 * Sources. The benchmark ships ids only; its per-category part counts and global id order are those of the
 * PointNet and PointNet++ part-segmentation code (PointNet's `overallid_to_catid_partid.json`, PointNet++'s
 * `seg_classes` table). The names:
 * - Airplane: verified from the geometry of the labelled Airplane set (1 is long along the fuselage axis, 2 wide
 *   along the span, 3 sits at the rear, 4 under the wing and absent from about a fifth of the planes).
 * - every other category: the part list republished with the benchmark by zero-shot ShapeNetPart evaluation code
 *   (`cat2part`, global id order; e.g. "engine or frame", "trigger and guard", "belt for foot"), shortened here to
 *   one word each, and checked against one real cloud per category (the relative sizes fit: a mug's handle is a
 *   tenth of the cup, a table's drawer the smallest part, a skateboard's deck most of the board).
 * Names are plain words without `/` or spaces, since several categories' classes are named `Category/part`.
 */
export const BENCHMARK_PARTS: ReadonlyArray<readonly [category: string, parts: readonly string[]]> = [
  ['Airplane', ['body', 'wing', 'tail', 'engine']],
  ['Bag', ['handle', 'body']],
  ['Cap', ['panels', 'peak']],
  ['Car', ['roof', 'hood', 'wheel', 'body']],
  ['Chair', ['back', 'seat', 'leg', 'arm']],
  ['Earphone', ['earcup', 'headband', 'wire']],
  ['Guitar', ['head', 'neck', 'body']],
  ['Knife', ['blade', 'handle']],
  ['Lamp', ['base', 'shade', 'bracket', 'stem']],
  ['Laptop', ['keyboard', 'screen']],
  ['Motorbike', ['tank', 'seat', 'wheel', 'handlebar', 'light', 'frame']],
  ['Mug', ['handle', 'cup']],
  ['Pistol', ['barrel', 'handle', 'trigger']],
  ['Rocket', ['body', 'fin', 'nose']],
  ['Skateboard', ['wheel', 'deck', 'belt']],
  ['Table', ['top', 'leg', 'drawer']],
];

/** First global part id, part count and part names of a benchmark category, or undefined for a name it does not know. */
export function benchmarkParts(
  category: string,
): { first: number; count: number; names: readonly string[] } | undefined {
  let first = 0;
  for (const [name, parts] of BENCHMARK_PARTS) {
    if (name.toLowerCase() === category.toLowerCase()) return { first, count: parts.length, names: parts };
    first += parts.length;
  }
  return undefined;
}
