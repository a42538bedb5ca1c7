/** `pnet data check`: what a dataset holds and everything wrong with it, as a printable report. */
import type { Dataset } from './types.ts';

export interface CheckReport {
  format: string;
  root: string;
  clouds: number;
  unlabelled: number;
  perCategory: Record<string, number>;
  /** Points per class over all labelled clouds, and how many clouds contain each class. */
  perPart: Array<{ name: string; points: number; clouds: number }>;
  /** Point-count histogram: bins of equal width between min and max. */
  histogram: Array<{ from: number; to: number; clouds: number }>;
  problems: Dataset['problems'];
}

export function checkDataset(d: Dataset, bins = 8): CheckReport {
  const perCategory: Record<string, number> = Object.fromEntries(d.categories.map((c) => [c, 0]));
  const perPart = d.classes.names.map((name) => ({ name, points: 0, clouds: 0 }));
  let unlabelled = 0;
  for (const c of d.clouds) {
    perCategory[c.category] = (perCategory[c.category] ?? 0) + 1;
    if (!c.labels) {
      unlabelled++;
      continue;
    }
    const seen = new Set<number>();
    for (const l of c.labels) {
      perPart[l]!.points++;
      seen.add(l);
    }
    for (const l of seen) perPart[l]!.clouds++;
  }
  const sizes = d.clouds.map((c) => c.points.length / 3);
  const histogram: CheckReport['histogram'] = [];
  if (sizes.length > 0) {
    const lo = Math.min(...sizes);
    const hi = Math.max(...sizes);
    const width = Math.max(1, Math.ceil((hi - lo + 1) / bins));
    for (let b = 0; b < bins && lo + b * width <= hi; b++) {
      const from = lo + b * width;
      const to = from + width - 1;
      histogram.push({ from, to, clouds: sizes.filter((s) => s >= from && s <= to).length });
    }
  }
  return {
    format: d.format,
    root: d.root,
    clouds: d.clouds.length,
    unlabelled,
    perCategory,
    perPart,
    histogram,
    problems: d.problems,
  };
}

export function formatCheckReport(r: CheckReport): string {
  const lines: string[] = [];
  lines.push(`dataset ${r.root} (${r.format} layout): ${r.clouds} clouds loaded, ${r.unlabelled} unlabelled`);
  lines.push('', 'clouds per category:');
  for (const [c, n] of Object.entries(r.perCategory)) lines.push(`  ${c.padEnd(20)} ${String(n).padStart(7)}`);
  lines.push('', 'parts:                     points   clouds');
  for (const p of r.perPart)
    lines.push(`  ${p.name.padEnd(22)} ${String(p.points).padStart(9)} ${String(p.clouds).padStart(8)}`);
  if (r.histogram.length > 0) {
    const max = Math.max(...r.histogram.map((h) => h.clouds));
    lines.push('', 'points per cloud:');
    for (const h of r.histogram) {
      const bar = '█'.repeat(max === 0 ? 0 : Math.round((h.clouds / max) * 30));
      lines.push(`  ${String(h.from).padStart(6)}–${String(h.to).padEnd(6)} ${String(h.clouds).padStart(6)} ${bar}`);
    }
  }
  lines.push('', r.problems.length === 0 ? 'no problems found' : `${r.problems.length} problem(s):`);
  for (const p of r.problems) lines.push(`  ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`);
  return lines.join('\n');
}
