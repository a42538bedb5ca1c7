/** `.seg` label files: one integer class index per line, in point order (the ShapeNet part-benchmark form). */

export function formatSeg(labels: ArrayLike<number>): string {
  const lines: string[] = new Array(labels.length);
  for (let i = 0; i < labels.length; i++) lines[i] = String(labels[i]);
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}
