/** The parity matrix as one Markdown table. */
import type { ParityRow, ParityTolerance } from './types.ts';

const STATUS: Record<ParityRow['status'], string> = {
  reference: 'reference',
  pass: 'PASS',
  fail: '**FAIL**',
  skipped: 'skipped',
};

function formatDiff(v: number | undefined): string {
  if (v === undefined) return '—';
  if (v === 0) return '0';
  return Number.isFinite(v) ? v.toExponential(1) : 'NaN/∞';
}

function formatAgreement(v: number | undefined): string {
  if (v === undefined) return '—';
  // Two decimals would print 99.99% for a row just under the 99.9% bar's neighbour; three keep failures visible.
  return `${(v * 100).toFixed(3)}%`;
}

function formatMs(v: number | undefined): string {
  if (v === undefined) return '—';
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

function formatTolerance(t: ParityTolerance | undefined): string {
  if (!t) return '—';
  const labels = `≥ ${(t.labelAgreement * 100).toFixed(1)}%`;
  return Number.isFinite(t.maxAbsDiff) ? `≤ ${t.maxAbsDiff.toExponential(0)}, ${labels}` : `labels ${labels}`;
}

/** Pipes would end a Markdown cell early. */
function cell(text: string | undefined): string {
  return (text ?? '').replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
}

export function formatParityTable(rows: ParityRow[]): string {
  const reference = rows.find((r) => r.status === 'reference')?.runtime ?? 'the reference';
  const lines = [
    `| runtime | max \\|Δp\\| vs ${reference} | labels agree | ms / cloud | tolerance | result | note |`,
    '|---|---:|---:|---:|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${cell(r.runtime)} | ${formatDiff(r.maxAbsDiff)} | ${formatAgreement(r.labelAgreement)} | ${formatMs(r.msPerCloud)} | ` +
        `${formatTolerance(r.tolerance)} | ${STATUS[r.status]} | ${cell(r.note)} |`,
    ),
  ];
  return lines.join('\n') + '\n';
}
