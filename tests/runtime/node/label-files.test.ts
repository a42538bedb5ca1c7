import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPts } from '../../../src/core/formats/pts.ts';
import { Rng } from '../../../src/core/rng.ts';
import { createNodeSegmenter } from '../../../runtime/node/index.ts';
import { labelCloudFiles, type FileOutcome } from '../../../runtime/node/label-files.ts';
import { createSegmenterPool } from '../../../runtime/node/worker-pool.ts';
import type { Segmenter } from '../../../runtime/segmenter.ts';
import { tinyOnnx } from '../../helpers/tiny-model.ts';

let dir: string;
let model: string;
const files: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-label-files-'));
  model = await tinyOnnx(dir);
  const rng = new Rng(7);
  for (const [i, n] of [40, 50, 40, 0, 40].entries()) {
    const file = join(dir, `c${i}.pts`);
    const points = Float32Array.from({ length: 3 * n }, () => rng.uniform(-1, 1));
    await writeFile(file, n === 0 ? 'not a cloud\n' : formatPts(points));
    files.push(file);
  }
  files.push(join(dir, 'missing.pts'));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

async function collect(segmenter: Segmenter): Promise<FileOutcome[]> {
  const out: FileOutcome[] = [];
  try {
    for await (const o of labelCloudFiles(segmenter, files, { maxBatch: 2 })) out.push(o);
  } finally {
    await segmenter.dispose();
  }
  return out;
}

describe('labelCloudFiles', () => {
  it('yields one outcome per file: unreadable files first, then the rest in file order, errors naming their file', async () => {
    const out = await collect(await createNodeSegmenter(model));
    expect(out.map((o) => o.index)).toEqual([3, 5, 0, 1, 2, 4]);
    for (const o of out.slice(0, 2)) expect('error' in o && String((o.error as { file?: string }).file)).toBe(o.file);
    expect(out.slice(2).map((o) => ('result' in o ? o.result.numPoints : -1))).toEqual([40, 50, 40, 40]);
  });

  it('labels the same on a worker pool as in this thread, byte for byte', async () => {
    const here = await collect(await createNodeSegmenter(model));
    const pool = await collect(await createSegmenterPool(model, { workers: 2 }));
    const probabilities = (os: FileOutcome[]) =>
      Object.fromEntries(os.flatMap((o) => ('result' in o ? [[o.index, Array.from(o.result.probabilities)]] : [])));
    expect(probabilities(pool)).toEqual(probabilities(here));
  });
});
