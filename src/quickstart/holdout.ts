/** Held-out SYNTHETIC clouds for the quickstart: full-resolution `.pts` with `<stem>.seg` class indices beside them. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '../core/rng.ts';
import { synthAirplane, SYNTH_PARTS } from '../data/synth.ts';
import { formatPts, parsePts } from '../core/formats/pts.ts';

export interface HoldoutCloud {
  name: string;
  xyz: Float32Array;
  file: string;
}

/**
 * Writes `count` airplanes from a seed the training data never used. Labels are class indices of the model
 * (parts in metadata order, then `none`), one per line: the convention `pnet infer --eval` reads.
 */
export async function writeHoldout(dir: string, count: number, seed: number): Promise<HoldoutCloud[]> {
  await mkdir(dir, { recursive: true });
  const rng = new Rng(seed);
  const none = SYNTH_PARTS.length;
  const clouds: HoldoutCloud[] = [];
  for (let i = 0; i < count; i++) {
    const id = `holdout_${String(i).padStart(3, '0')}`;
    const c = synthAirplane(rng.fork(i + 1), id);
    const text = formatPts(c.points, 5);
    const file = join(dir, `${id}.pts`);
    await writeFile(file, text);
    await writeFile(join(dir, `${id}.seg`), Array.from(c.parts, (p) => String(p < 0 ? none : p)).join('\n') + '\n');
    // Round-trip through the text precision, so every runtime sees exactly the numbers in the file.
    clouds.push({ name: id, xyz: parsePts(text, file), file });
  }
  return clouds;
}
