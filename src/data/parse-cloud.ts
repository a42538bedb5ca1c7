/** Turns one CloudSource into a Cloud, checking every file against the others (counts, label values). */
import { readTextFile } from '../core/node/read-text.ts';
import { PnetError } from '../core/errors.ts';
import type { CloudSource } from './layout.ts';
import { parsePointsWithParts, parsePts } from '../core/formats/pts.ts';
import { checkLabelCount, parseSeg } from '../core/formats/seg.ts';
import type { Cloud } from './types.ts';

function checkRange(ids: Int32Array, first: number, count: number, file: string, what: string): void {
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (v < first || v >= first + count) {
      throw new PnetError('BAD_INPUT', `${what} ${v} is not valid here (expected ${first}–${first + count - 1})`, {
        file,
        line: i + 1,
      });
    }
  }
}

/** Class index of points that belong to no part (PartAnnotation only): the last class. */
export function parseCloud(source: CloudSource, noneClass: number): Cloud {
  const base = { id: source.id, category: source.category, source: source.pointsFile };
  const l = source.labels;
  if (l.kind === 'embedded') {
    const { points, parts } = parsePointsWithParts(readTextFile(source.pointsFile), source.pointsFile);
    checkRange(parts, l.firstId, l.count, source.pointsFile, 'part id');
    const labels = parts.map((p) => p - l.firstId + l.classOffset);
    return { ...base, points, labels };
  }
  const points = parsePts(readTextFile(source.pointsFile), source.pointsFile);
  const n = points.length / 3;
  if (l.kind === 'none') return { ...base, points, labels: null };
  if (l.kind === 'id-file') {
    const ids = parseSeg(readTextFile(l.file), l.file);
    checkLabelCount(ids, n, l.file);
    checkRange(ids, l.firstId, l.count, l.file, 'part id');
    return { ...base, points, labels: ids.map((p) => p - l.firstId + l.classOffset) };
  }
  // One 0/1 file per part; a point marked by no part is `none`, a later part wins over an earlier one.
  const labels = new Int32Array(n).fill(noneClass);
  for (const { classIndex, file } of l.files) {
    const flags = parseSeg(readTextFile(file), file);
    checkLabelCount(flags, n, file);
    checkRange(flags, 0, 2, file, 'label');
    for (let i = 0; i < n; i++) if (flags[i] === 1) labels[i] = classIndex;
  }
  return { ...base, points, labels };
}
