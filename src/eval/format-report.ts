/** The text report of an evaluation (what `pnet eval` prints); apart from the evaluator so it loads without TF.js. */
import type { EvalReport } from './index.ts';

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : '  n/a ';
}

export function formatEvalReport(r: EvalReport): string {
  const width = Math.max(...r.classNames.map((n) => n.length), 6);
  const categories = Object.entries(r.categories);
  const which = r.split === 'all' ? 'every cloud' : `the ${r.split} split`;
  const points =
    r.points === 'all' ? `every original point (${r.scoredPoints} in all)` : `${r.points} sampled points each`;
  const lines = [
    `checkpoint: ${r.checkpoint}`,
    `clouds: ${r.clouds} (${which}), ${points}`,
    `accuracy: ${fmt(r.accuracy)}`,
    `instance mIoU (mean over shapes): ${fmt(r.miou)}`,
  ];
  if (categories.length > 1) {
    lines.push(`class mIoU (mean over ${categories.length} categories): ${fmt(r.classMiou)}`);
    for (const [name, c] of categories) lines.push(`  ${name.padEnd(width)}  ${fmt(c.miou)}  (${c.shapes} shapes)`);
  }
  lines.push(
    '',
    "per-part IoU (mean over the category's shapes; 1 where a part is absent from truth and prediction):",
    ...r.classNames.map((n, k) => `  ${n.padEnd(width)}  ${fmt(r.partIou[k]!)}`),
    '',
    'confusion matrix (rows: truth, columns: predicted, numbered as the rows):',
    // Columns are numbered: part names are often wider than the counts under them.
    `  ${''.padEnd(width + 5)}  ${r.classNames.map((_, k) => `[${k}]`.padStart(9)).join(' ')}`,
    ...r.confusion.map(
      (row, k) =>
        `  ${`[${k}]`.padEnd(5)}${r.classNames[k]!.padEnd(width)}  ${row.map((v) => String(v).padStart(9)).join(' ')}`,
    ),
  );
  return lines.join('\n');
}
