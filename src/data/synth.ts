/**
 * SYNTHETIC data: procedural, part-labelled airplanes written in the seed's PartAnnotation layout, so tests, the
 * demo and a first training run work without the real archive. Each plane varies in proportions (fuselage, wing
 * span, chord, sweep, tail, 0/2/4 engines), pose (small random rotation), point density and surface noise; a few
 * landing-gear points belong to no part (class `none`), as in the real data.
 */
import { checkPositiveInt } from '../core/validate.ts';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { fsErrorToPnet, isFsError } from '../core/node/fs-errors.ts';
import { join, dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PnetError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { formatPts } from '../core/formats/pts.ts';
import { isProcessAlive } from '../core/node/process-alive.ts';

export const SYNTH_CATEGORY = 'Airplane';
export const SYNTH_DIRECTORY = '02691156';
export const SYNTH_PARTS = ['wing', 'body', 'tail', 'engine'] as const;
const SYNTH_COLORS = ['blue', 'red', 'green', 'magenta'];
const NONE = -1;

type PartIndex = 0 | 1 | 2 | 3 | typeof NONE;

interface Sampler {
  part: PartIndex;
  /** Approximate surface area, to share the point budget. */
  area: number;
  sample(rng: Rng): [number, number, number];
}

function cylinder(
  part: PartIndex,
  x0: number,
  x1: number,
  cy: number,
  cz: number,
  radius: (t: number) => number,
): Sampler {
  const length = x1 - x0;
  return {
    part,
    area: 2 * Math.PI * radius(0.5) * length,
    sample(rng) {
      const t = rng.next();
      const a = rng.uniform(0, 2 * Math.PI);
      const r = radius(t);
      return [x0 + t * length, cy + r * Math.cos(a), cz + r * Math.sin(a)];
    },
  };
}

/** A thin swept plate: root chord at `root`, spanning along `axis` ('y' horizontal, 'z' vertical). */
function plate(
  part: PartIndex,
  root: [number, number, number],
  span: number,
  chord: number,
  tipChord: number,
  sweep: number,
  axis: 'y' | 'z',
  thickness: number,
): Sampler {
  return {
    part,
    area: (2 * Math.abs(span) * (chord + tipChord)) / 2,
    sample(rng) {
      const s = rng.next();
      const c = chord + (tipChord - chord) * s;
      const along = root[0] + sweep * Math.abs(span) * s + rng.uniform(-c / 2, c / 2);
      const side = (rng.next() < 0.5 ? -1 : 1) * thickness * (1 - s * 0.5);
      return axis === 'y' ? [along, root[1] + span * s, root[2] + side] : [along, root[1] + side, root[2] + span * s];
    },
  };
}

function airplane(rng: Rng): Sampler[] {
  const length = rng.uniform(1.6, 2.4);
  const radius = rng.uniform(0.09, 0.17);
  const x0 = -length / 2;
  const body = cylinder(
    1,
    x0,
    x0 + length,
    0,
    0,
    (t) => radius * Math.min(1, Math.sqrt(t / 0.12), 0.35 + (1 - t) / 0.35),
  );
  const span = rng.uniform(0.7, 1.4);
  const chord = rng.uniform(0.22, 0.45);
  const tip = chord * rng.uniform(0.35, 0.9);
  const sweep = rng.uniform(0, 0.6);
  const wingX = x0 + length * rng.uniform(0.38, 0.5);
  const wingZ = rng.uniform(-0.6, 0.5) * radius;
  const samplers: Sampler[] = [
    body,
    plate(0, [wingX, 0, wingZ], span, chord, tip, sweep, 'y', 0.015),
    plate(0, [wingX, 0, wingZ], -span, chord, tip, sweep, 'y', 0.015),
  ];
  const tailX = x0 + length * 0.9;
  const finHeight = rng.uniform(0.2, 0.42);
  const tailSpan = span * rng.uniform(0.25, 0.42);
  samplers.push(
    plate(2, [tailX, 0, radius * 0.6], finHeight, chord * 0.8, chord * 0.4, 0.7, 'z', 0.01),
    plate(2, [tailX + 0.02, 0, radius * 0.3], tailSpan, chord * 0.6, chord * 0.3, 0.5, 'y', 0.01),
    plate(2, [tailX + 0.02, 0, radius * 0.3], -tailSpan, chord * 0.6, chord * 0.3, 0.5, 'y', 0.01),
  );
  const engines = [0, 2, 2, 4][rng.int(4)]!;
  const engineR = rng.uniform(0.04, 0.07);
  const engineL = rng.uniform(0.22, 0.38);
  for (let e = 0; e < engines; e++) {
    const side = e % 2 === 0 ? 1 : -1;
    const s = engines === 4 && e >= 2 ? 0.62 : 0.32;
    const y = side * span * s;
    const x = wingX + sweep * Math.abs(y) - engineL * 0.55;
    samplers.push(cylinder(3, x, x + engineL, y, wingZ - engineR - 0.02, () => engineR));
  }
  // Landing gear: thin struts under the fuselage that belong to no part.
  for (const gx of [x0 + length * 0.15, wingX + chord * 0.3]) {
    samplers.push({
      part: NONE,
      area: 0.012,
      sample: (r) => [gx + r.uniform(-0.01, 0.01), r.uniform(-0.01, 0.01), -radius - r.uniform(0, 0.12)],
    });
  }
  return samplers;
}

function rotation(rng: Rng, maxDegrees: number): number[] {
  const [a, b, c] = [0, 1, 2].map(() => (rng.uniform(-maxDegrees, maxDegrees) * Math.PI) / 180) as [
    number,
    number,
    number,
  ];
  const [ca, sa, cb, sb, cc, sc] = [Math.cos(a), Math.sin(a), Math.cos(b), Math.sin(b), Math.cos(c), Math.sin(c)];
  // Rz(a)·Ry(b)·Rx(c), row-major.
  return [
    ca * cb,
    ca * sb * sc - sa * cc,
    ca * sb * cc + sa * sc,
    sa * cb,
    sa * sb * sc + ca * cc,
    sa * sb * cc - ca * sc,
    -sb,
    cb * sc,
    cb * cc,
  ];
}

export interface SynthCloud {
  id: string;
  points: Float32Array;
  /** Part index per point (into SYNTH_PARTS), −1 for no part. */
  parts: Int8Array;
}

/** One synthetic airplane; the same rng state always gives the same cloud. */
export function synthAirplane(rng: Rng, id: string): SynthCloud {
  const samplers = airplane(rng);
  const total = rng.int(1400) + 1800;
  const area = samplers.reduce((a, s) => a + s.area, 0);
  const counts = samplers.map((s) => Math.max(6, Math.round((s.area / area) * total)));
  const n = counts.reduce((a, b) => a + b, 0);
  const R = rotation(rng, 6);
  const points = new Float32Array(n * 3);
  const parts = new Int8Array(n);
  const scale = rng.uniform(0.8, 1.25);
  let k = 0;
  samplers.forEach((s, si) => {
    for (let i = 0; i < counts[si]!; i++, k++) {
      const [x, y, z] = s.sample(rng);
      const p = [x, y, z].map((v) => v * scale + 0.004 * rng.normal()) as [number, number, number];
      // ShapeNet's convention: y up, the fuselage along z. Our x (length) → z, z (up) → y, y (span) → x.
      const q = [p[1], p[2], p[0]];
      for (let r = 0; r < 3; r++) points[k * 3 + r] = R[r * 3]! * q[0]! + R[r * 3 + 1]! * q[1]! + R[r * 3 + 2]! * q[2]!;
      parts[k] = s.part;
    }
  });
  return { id, points, parts };
}

export interface SynthOptions {
  count: number;
  seed: number;
  /** Overwrite an existing dataset in outDir. */
  force?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Once aborted, stops between clouds, removes the temp folder and throws INTERRUPTED. */
  signal?: AbortSignal;
  /** Where notes on temp folders of earlier runs go. Default: stderr. */
  log?: (line: string) => void;
}

/** `.synth-<hex>`: the temp folder a run builds its dataset in, beside where it goes. */
const TEMP_NAME = /^\.synth-[0-9a-f]{8}$/;
/** Inside the temp folder until the rename: which process on which host is writing it. */
const OWNER_FILE = '.pnet-synth-owner.json';

/**
 * Temp folders that killed runs (kill -9, a crash) left in outDir: one whose owner file names a process of this
 * host that is gone is removed; any other of that name is kept and mentioned, since a run may still be writing it
 * (or it is not ours).
 */
async function removeStaleTemps(outDir: string, log: (line: string) => void): Promise<void> {
  const names = (await readdir(outDir).catch(() => [] as string[])).filter((n) => TEMP_NAME.test(n)).sort();
  for (const name of names) {
    const tmp = join(outDir, name);
    const owner = await readFile(join(tmp, OWNER_FILE), 'utf8')
      .then((t) => JSON.parse(t) as { pid?: unknown; host?: unknown })
      .catch(() => undefined);
    const pid = owner?.pid;
    if (
      owner?.host === hostname() &&
      typeof pid === 'number' &&
      Number.isInteger(pid) &&
      pid > 0 &&
      !isProcessAlive(pid)
    ) {
      await rm(tmp, { recursive: true, force: true });
      log(`removed ${tmp}, the temp folder of an interrupted pnet data synth`);
    } else {
      log(`note: ${tmp} may be the temp folder of another pnet data synth; delete it if none is running`);
    }
  }
}

/**
 * Writes `outDir/PartAnnotation/{metadata.json, 02691156/points/*.pts, 02691156/points_label/<part>/*.seg}` and a
 * SYNTHETIC.md that says what the data is. Built in a temp folder and renamed into place: all or nothing.
 */
export async function synthesizeDataset(
  outDir: string,
  options: SynthOptions,
): Promise<{ root: string; clouds: number; points: number }> {
  checkPositiveInt('--count', options.count);
  const root = join(outDir, 'PartAnnotation');
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) {
    throw new PnetError('BAD_ARGUMENT', '--out is a file, not a folder', {
      file: outDir,
      remedy: 'choose a folder for --out',
    });
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  await removeStaleTemps(outDir, log);
  if (existsSync(root) && !options.force) {
    throw new PnetError('BAD_ARGUMENT', 'a dataset already exists here', {
      file: root,
      remedy: 'pass --force to replace it, or choose another --out',
    });
  }
  try {
    return await writeSynthetic(outDir, root, options);
  } catch (e) {
    // Name the folder the user gave, not the temp folder inside it.
    throw isFsError(e) ? fsErrorToPnet(e, 'write the dataset', outDir) : e;
  }
}

async function writeSynthetic(
  outDir: string,
  root: string,
  options: SynthOptions,
): Promise<{ root: string; clouds: number; points: number }> {
  const tmp = join(outDir, `.synth-${randomBytes(4).toString('hex')}`);
  const cat = join(tmp, SYNTH_DIRECTORY);
  await mkdir(tmp, { recursive: true });
  const rng = new Rng(options.seed);
  let totalPoints = 0;
  try {
    // First, so that a later run can tell this folder is stale once this process is gone.
    await writeFile(join(tmp, OWNER_FILE), JSON.stringify({ pid: process.pid, host: hostname() }) + '\n');
    await mkdir(join(cat, 'points'), { recursive: true });
    for (const p of SYNTH_PARTS) await mkdir(join(cat, 'points_label', p), { recursive: true });
    const metadata = {
      [SYNTH_CATEGORY]: { directory: SYNTH_DIRECTORY, lables: [...SYNTH_PARTS], colors: SYNTH_COLORS },
    };
    await writeFile(join(tmp, 'metadata.json'), JSON.stringify(metadata, null, 2) + '\n');
    await writeFile(
      join(tmp, 'SYNTHETIC.md'),
      `# Synthetic data\n\nThese ${options.count} airplanes were generated by \`pnet data synth --count ${options.count} --seed ${options.seed}\`.\n` +
        'They are procedural shapes, not ShapeNet scans: use them to try the pipeline, not to judge a model.\n',
    );
    for (let i = 0; i < options.count; i++) {
      if (options.signal?.aborted) {
        throw new PnetError('INTERRUPTED', `interrupted after ${i} of ${options.count} clouds; nothing was kept`, {
          file: outDir,
        });
      }
      const id = `synth_${String(options.seed)}_${String(i).padStart(5, '0')}`;
      const cloud = synthAirplane(rng.fork(i + 1), id);
      const n = cloud.points.length / 3;
      totalPoints += n;
      await writeFile(join(cat, 'points', `${id}.pts`), formatPts(cloud.points, 5));
      for (let p = 0; p < SYNTH_PARTS.length; p++) {
        if (!cloud.parts.includes(p)) continue; // an absent part has no label file, as in the real data
        const flags = Array.from(cloud.parts, (v) => (v === p ? '1' : '0'));
        await writeFile(join(cat, 'points_label', SYNTH_PARTS[p]!, `${id}.seg`), flags.join('\n') + '\n');
      }
      options.onProgress?.(i + 1, options.count);
    }
    await rm(join(tmp, OWNER_FILE));
    if (existsSync(root)) await rm(root, { recursive: true, force: true });
    await mkdir(dirname(root), { recursive: true });
    await rename(tmp, root);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return { root, clouds: options.count, points: totalPoints };
}
