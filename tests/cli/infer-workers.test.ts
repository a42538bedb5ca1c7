import { OUTPUTS_MANIFEST } from '../../src/infer/outputs.ts';
import { formatPts } from '../../src/core/formats/pts.ts';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writePly } from '../../src/core/formats/ply.ts';
import { formatSeg } from '../../src/core/formats/seg.ts';
import { Rng } from '../../src/core/rng.ts';
import { threadsPerWorker } from '../../runtime/node/worker-pool.ts';
import { createNodeSegmenter } from '../../runtime/node/index.ts';
import { foreignModel } from '../runtime/node/onnx-fixtures.ts';
import { TINY_CLASSES, TINY_PRESET, tinyOnnx } from '../helpers/tiny-model.ts';
import { PNET_BIN, runPnet } from '../helpers/run-cli.ts';

let dir: string;
let model: string;
const run = runPnet;

function randomCloud(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n * 3 }, () => Math.round(rng.uniform(-1, 1) * 1e4) / 1e4);
}

/** Every file under `root`, by relative path, with its bytes. */
async function tree(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    // The outputs manifest lists what was written; the comparison is of the outputs themselves.
    if (!entry.isFile() || entry.name === OUTPUTS_MANIFEST) continue;
    const full = join(entry.parentPath, entry.name);
    out.set(relative(root, full), await readFile(full));
  }
  return out;
}

const failureLines = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('pnet: '))
    .sort();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-infer-workers-'));
  model = await tinyOnnx(dir);
  await writeFile(join(dir, 'relu.onnx'), foreignModel());
  const rng = new Rng(23);
  await mkdir(join(dir, 'in', 'sub'), { recursive: true });
  // Repeated sizes so runs batch clouds together, two windows at --batch 2, a PLY, and bad clouds among good ones
  // (a bad cloud makes the in-thread path run its whole window cloud by cloud).
  const sizes = [60, 60, 45, 60, 200, 45, 60, 60, 45, 60, 200, 60];
  for (const [i, n] of sizes.entries()) {
    const pts = randomCloud(rng, n);
    const name = join(dir, 'in', i % 3 === 2 ? 'sub' : '', `c${String(i).padStart(2, '0')}`);
    if (i === 4)
      await writeFile(
        `${name}.ply`,
        writePly({ points: pts, labels: new Int32Array(n), palette: [[0, 0, 0]] }, 'binary'),
      );
    else await writeFile(`${name}.pts`, formatPts(pts));
  }
  await writeFile(join(dir, 'in', 'c03x-nan.pts'), '1 2 3\n4 NaN 6\n');
  await writeFile(join(dir, 'in', 'sub', 'c09x-empty.pts'), '');
  await writeFile(
    join(dir, 'in', 'c06x-zero.ply'),
    'ply\nformat ascii 1.0\nelement vertex 0\nproperty float x\nproperty float y\nproperty float z\nend_header\n',
  );
});

describe('pnet infer --workers', () => {
  for (const format of ['seg', 'json'] as const) {
    it(`writes the same ${format} files byte for byte as the in-thread path, and reports the same failures`, async () => {
      const extra = format === 'json' ? ['--probabilities'] : [];
      const one = await run(
        'infer',
        model,
        join(dir, 'in'),
        '--out',
        join(dir, `one-${format}`),
        '--format',
        format,
        '--batch',
        '2',
        ...extra,
      );
      const many = await run(
        'infer',
        model,
        join(dir, 'in'),
        '--out',
        join(dir, `many-${format}`),
        '--format',
        format,
        '--batch',
        '2',
        '--workers',
        '3',
        ...extra,
      );
      expect(one.code).toBe(2);
      expect(many.code).toBe(2);
      expect(many.stdout.split('\n')[0]).toBe(one.stdout.split('\n')[0]!.replace(`one-${format}`, `many-${format}`));
      expect(one.stdout).toMatch(/labelled 12 of 15 clouds/);
      expect(many.stdout).toMatch(
        new RegExp(`3 worker threads × ${threadsPerWorker(3)} ORT threads? each on ${availableParallelism()} cores`),
      );
      expect(failureLines(many.stderr)).toEqual(failureLines(one.stderr));
      expect(many.stderr).toMatch(/c03x-nan\.pts:2: not a number: "NaN"/);
      expect(many.stderr).toMatch(/c06x-zero\.ply: the cloud has 0 points/);
      expect(many.stderr).toMatch(/c09x-empty\.pts: empty file/);
      const a = await tree(join(dir, `one-${format}`));
      const b = await tree(join(dir, `many-${format}`));
      expect(a.size).toBe(12);
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      for (const [file, bytes] of a) expect(bytes.equals(b.get(file)!), file).toBe(true);
      if (format === 'json') {
        // Which clouds share a run changes the last printed digits here, so matching outputs mean matching batches.
        await run(
          'infer',
          model,
          join(dir, 'in'),
          '--out',
          join(dir, 'unbatched'),
          '--format',
          'json',
          '--batch',
          '1',
          ...extra,
        );
        const c = await tree(join(dir, 'unbatched'));
        expect([...a].some(([file, bytes]) => !bytes.equals(c.get(file)!))).toBe(true);
      }
    });
  }

  it('--eval aggregates the scores of all workers in this thread', async () => {
    const evalDir = join(dir, 'eval');
    await mkdir(evalDir);
    const rng = new Rng(4);
    const seg = await createNodeSegmenter(model);
    try {
      for (let i = 0; i < 5; i++) {
        const pts = randomCloud(rng, 50);
        await writeFile(join(evalDir, `e${i}.pts`), formatPts(pts));
        // Truth = the model's labels with i·3 of them changed, so every cloud scores differently.
        const truth = Int32Array.from((await seg.segment(pts)).labels);
        for (let k = 0; k < i * 3; k++) truth[k] = (truth[k]! + 1) % TINY_CLASSES.length;
        if (i < 4) await writeFile(join(evalDir, `e${i}.seg`), formatSeg(truth));
      }
    } finally {
      await seg.dispose();
    }
    const one = await run('infer', model, evalDir, '--out', join(dir, 'eval-one'), '--eval', '--batch', '1');
    const many = await run(
      'infer',
      model,
      evalDir,
      '--out',
      join(dir, 'eval-many'),
      '--eval',
      '--batch',
      '1',
      '--workers',
      '2',
    );
    expect(many.code).toBe(0);
    // 4 labelled clouds of 50 points with 0, 3, 6, 9 labels changed: 182 of 200 right.
    expect(many.stdout).toMatch(/eval on 4 clouds with labels: accuracy 91\.00%, instance mIoU \d+\.\d\d%/);
    expect(many.stdout).toMatch(/1 clouds have no label files/);
    const evalLines = (s: string) => s.split('\n').filter((l) => /eval on|per-part IoU/.test(l));
    expect(evalLines(many.stdout)).toHaveLength(2);
    expect(evalLines(many.stdout)).toEqual(evalLines(one.stdout));
  });

  it('fails in one line on a bad model, and refuses a bad --workers', async () => {
    const bad = await run(
      'infer',
      join(dir, 'relu.onnx'),
      join(dir, 'in'),
      '--out',
      join(dir, 'out-x'),
      '--workers',
      '2',
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/relu\.onnx: not a pnet model/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    for (const w of ['0', '1.5', '-2']) {
      const r = await run('infer', model, join(dir, 'in'), '--out', join(dir, 'out-x'), '--workers', w);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/--workers must be a positive integer/);
    }
  });

  it('starts no more workers than there are clouds', async () => {
    const r = await run(
      'infer',
      model,
      join(dir, 'in', 'c00.pts'),
      join(dir, 'in', 'c01.pts'),
      '--out',
      join(dir, 'out-two'),
      '--workers',
      '4',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/2 worker threads .* \(--workers 4, but only 2 clouds\)/);
  });

  it('documents --workers in --help with an example', async () => {
    const r = await run('infer', '--help');
    const help = (r.stdout + r.stderr).replace(/\s+/g, ' ');
    expect(help).toMatch(/--workers worker threads labelling files in parallel/);
    // Columns wrap, so the example's command and its description interleave.
    expect(help).toMatch(
      /Examples:.*pnet infer airplane\.onnx clouds\/ (two worker threads read and label )?--workers 2/,
    );
    expect(help).toMatch(/two worker threads read and label/);
  });
});

describe('pnet infer --workers as a process (bin/pnet.js)', () => {
  it('loads the TypeScript workers, and Ctrl-C stops them and exits 130 with what was done', async () => {
    // A model wide enough that each cloud takes a while, so the interrupt lands mid-run.
    const slow = await tinyOnnx(dir, {
      name: 'slow',
      preset: { ...TINY_PRESET, name: 'slow', features: [64, 64, 64], features2: [64, 512], segHidden: 128 },
      seed: 3,
      weights: 'init',
    });
    const input = join(dir, 'many');
    await mkdir(input);
    const rng = new Rng(9);
    for (let i = 0; i < 16; i++)
      await writeFile(join(input, `m${String(i).padStart(2, '0')}.pts`), formatPts(randomCloud(rng, 8000)));
    const out = join(dir, 'out-sigint');
    const child = spawn(
      process.execPath,
      [PNET_BIN, 'infer', slow, input, '--out', out, '--workers', '2', '--batch', '1'],
      {
        env: { ...process.env, CI: 'true' },
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!(existsSync(out) && readdirSync(out).some((f) => f.endsWith('.seg'))) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    const sentAt = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    expect(code, stderr).toBe(130);
    expect(Date.now() - sentAt).toBeLessThan(10_000);
    const m = /interrupted after (\d+) of 16 clouds/.exec(stderr);
    expect(m, stderr).not.toBeNull();
    const written = readdirSync(out).filter((f) => f.endsWith('.seg')).length;
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(16);
    expect(Number(m![1])).toBe(written);
    expect(stderr).not.toMatch(/\n\s+at |terminate called|Aborted/);
  });
});
