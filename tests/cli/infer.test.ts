import { formatPts } from '../../src/core/formats/pts.ts';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNodeSegmenter, probeCuda } from '../../runtime/node/index.ts';
import { parsePly, writePly } from '../../src/core/formats/ply.ts';
import { parseSeg } from '../../src/core/formats/seg.ts';
import { formatSeg } from '../../src/core/formats/seg.ts';
import { Rng } from '../../src/core/rng.ts';
import { foreignModel } from '../runtime/node/onnx-fixtures.ts';
import { TINY_CLASSES, tinyOnnx } from '../helpers/tiny-model.ts';
import { runPnet } from '../helpers/run-cli.ts';

let dir: string;
let model: string;
const clouds = new Map<string, Float32Array>();

const run = runPnet;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-infer-'));
  model = await tinyOnnx(dir);
  await writeFile(join(dir, 'relu.onnx'), foreignModel());
  const rng = new Rng(11);
  await mkdir(join(dir, 'in', 'sub'), { recursive: true });
  // Sizes repeat so the run batches; the values go through text, so keep what the parser will read.
  const specs: Array<[string, number]> = [
    ['in/a.pts', 60],
    ['in/b.pts', 60],
    ['in/sub/c.pts', 45],
    ['in/sub/d.ply', 60],
  ];
  for (const [name, n] of specs) {
    const pts = Float32Array.from({ length: n * 3 }, () => Math.round(rng.uniform(-1, 1) * 1e4) / 1e4);
    clouds.set(name, pts);
    if (name.endsWith('.ply')) {
      await writeFile(
        join(dir, name),
        writePly({ points: pts, labels: new Int32Array(n), palette: [[0, 0, 0]] }, 'binary'),
      );
    } else {
      await writeFile(join(dir, name), formatPts(pts));
    }
  }
});

async function expectedLabels(name: string): Promise<number[]> {
  const seg = await createNodeSegmenter(model);
  try {
    return Array.from((await seg.segment(clouds.get(name)!)).labels);
  } finally {
    await seg.dispose();
  }
}

describe('pnet infer', () => {
  it('labels every cloud of a folder, mirroring sub-folders, and prints a summary', async () => {
    const out = join(dir, 'out-seg');
    const r = await run('infer', model, join(dir, 'in'), '--out', out, '--batch', '2');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/labelled 4 of 4 clouds .* on cpu/);
    expect(r.stdout).toMatch(/[\d.]+ clouds\/s overall, [\d.]+ ms per cloud/);
    for (const name of clouds.keys()) {
      const segFile = join(out, name.replace(/^in\//, '').replace(/\.(pts|ply)$/, '.seg'));
      const labels = parseSeg(await readFile(segFile, 'utf8'), segFile);
      expect(Array.from(labels)).toEqual(await expectedLabels(name));
    }
  });

  it('writes coloured PLY files with the model palette and JSON with class names', async () => {
    const out = join(dir, 'out-ply');
    const r = await run(
      'infer',
      model,
      join(dir, 'in', 'a.pts'),
      '--out',
      out,
      '--format',
      'ply',
      '--ply-encoding',
      'ascii',
    );
    expect(r.code).toBe(0);
    const text = await readFile(join(out, 'a.ply'), 'utf8');
    const back = parsePly(new TextEncoder().encode(text), 'a.ply');
    expect(Array.from(back.points)).toEqual(Array.from(clouds.get('in/a.pts')!));
    const expected = await expectedLabels('in/a.pts');
    expect(Array.from(back.labels!)).toEqual(expected);
    // The first vertex carries the colour of its class (#4363d8 = 67 99 216 for class 0, …).
    const rgb = text.split('end_header\n')[1]!.split('\n')[0]!.split(' ').slice(3, 6).map(Number);
    const hex = '#' + rgb.map((v) => v.toString(16).padStart(2, '0')).join('');
    expect(hex).toBe(['#4363d8', '#e6194b', '#3cb44b', '#f032e6'][expected[0]!]);

    const jr = await run(
      'infer',
      model,
      join(dir, 'in', 'b.pts'),
      '--out',
      join(dir, 'out-json'),
      '--format',
      'json',
      '--probabilities',
    );
    expect(jr.code).toBe(0);
    const doc = JSON.parse(await readFile(join(dir, 'out-json', 'b.json'), 'utf8'));
    expect(doc.classes).toEqual(TINY_CLASSES);
    expect(doc.labels).toEqual(await expectedLabels('in/b.pts'));
    expect(doc.probabilities).toHaveLength(60);
    expect(doc.probabilities[0].indexOf(Math.max(...doc.probabilities[0]))).toBe(doc.labels[0]);
  });

  it('expands quoted globs', async () => {
    const r = await run('infer', model, join(dir, 'in', '**', '*.pts'), '--out', join(dir, 'out-glob'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/labelled 3 of 3/);
    expect(existsSync(join(dir, 'out-glob', 'sub', 'c.seg'))).toBe(true);
  });

  it('--eval prints accuracy and mIoU against <name>.seg beside the input', async () => {
    const evalDir = join(dir, 'eval');
    await mkdir(evalDir);
    const a = clouds.get('in/a.pts')!;
    await writeFile(join(evalDir, 'a.pts'), formatPts(a));
    await writeFile(join(evalDir, 'b.pts'), formatPts(clouds.get('in/b.pts')!));
    // Truth = the model's own labels with the first 6 points changed: accuracy is exactly 54/60 on this cloud.
    const truth = Int32Array.from(await expectedLabels('in/a.pts'));
    for (let i = 0; i < 6; i++) truth[i] = (truth[i]! + 1) % TINY_CLASSES.length;
    await writeFile(join(evalDir, 'a.seg'), formatSeg(truth));
    const r = await run('infer', model, evalDir, '--out', join(dir, 'out-eval'), '--eval');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /eval on 1 clouds with labels: accuracy 90\.00%, instance mIoU \d+\.\d\d% \(every original point/,
    );
    expect(r.stdout).toMatch(/eval labels: 1 from <name>\.seg beside the cloud \(class index per line\)/);
    expect(r.stdout).toMatch(/1 clouds have no label files/);
    const miou = Number(/instance mIoU ([\d.]+)%/.exec(r.stdout)![1]);
    expect(miou).toBeGreaterThan(0);
    expect(miou).toBeLessThan(100);
  });

  it('refuses an --out that would overwrite the label files', async () => {
    const r = await run('infer', model, join(dir, 'eval'), '--out', join(dir, 'eval'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/would overwrite the label file/);
  });

  it('names each bad cloud, writes the good ones and exits 2', async () => {
    const bad = join(dir, 'bad');
    await mkdir(bad);
    await writeFile(join(bad, 'good.pts'), formatPts(clouds.get('in/a.pts')!));
    await writeFile(join(bad, 'empty.pts'), '');
    await writeFile(join(bad, 'nan.pts'), '1 2 3\n4 NaN 6\n');
    await writeFile(join(bad, 'cols.pts'), '1 2 3\n4 5\n');
    await writeFile(
      join(bad, 'zero.ply'),
      'ply\nformat ascii 1.0\nelement vertex 0\nproperty float x\nproperty float y\nproperty float z\nend_header\n',
    );
    const r = await run('infer', model, bad, join(dir, 'missing.pts'), '--out', join(dir, 'out-bad'));
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/labelled 1 of 6 clouds/);
    expect(r.stderr).toMatch(/empty\.pts: empty file/);
    expect(r.stderr).toMatch(/nan\.pts:2: not a number: "NaN"/);
    expect(r.stderr).toMatch(/cols\.pts:2: expected 3 columns/);
    expect(r.stderr).toMatch(/zero\.ply: the cloud has 0 points/);
    expect(r.stderr).toMatch(/missing\.pts: no such file or directory/);
    expect(r.stderr).toMatch(/5 of 6 inputs failed/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'out-bad', 'good.seg'))).toBe(true);
  });

  it('exits 1 when no cloud could be labelled', async () => {
    const r = await run('infer', model, join(dir, 'bad', 'nan.pts'), '--out', join(dir, 'out-none'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nan\.pts:2/);
  });

  it('fails in one line on a bad model', async () => {
    for (const [m, pattern] of [
      [join(dir, 'relu.onnx'), /relu\.onnx: not a pnet model/],
      [join(dir, 'in', 'a.pts'), /a\.pts: not a readable ONNX model/],
      [join(dir, 'nope.onnx'), /nope\.onnx: model file not found/],
    ] as const) {
      const r = await run('infer', m, join(dir, 'in'), '--out', join(dir, 'out-x'));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  // On a machine where CUDA works the model runs there instead; the failure path is covered by the runtime tests.
  it.skipIf(probeCuda().available)(
    '--ep cuda says what is missing and how to fix it; --fallback cpu runs and says so',
    async () => {
      const r = await run('infer', model, join(dir, 'in', 'a.pts'), '--out', join(dir, 'out-cuda'), '--ep', 'cuda');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /cannot run on CUDA: .*libonnxruntime_providers_cuda\.so|cannot run on CUDA: .*libcuda\.so\.1/,
      );
      expect(r.stderr).toMatch(/fix: .*(npx pnet setup cuda|nvidia-smi).*--fallback cpu/);
      const f = await run(
        'infer',
        model,
        join(dir, 'in', 'a.pts'),
        '--out',
        join(dir, 'out-cuda'),
        '--ep',
        'cuda',
        '--fallback',
        'cpu',
      );
      expect(f.code).toBe(0);
      expect(f.stderr).toMatch(/CUDA is unavailable .*running on the CPU/);
      expect(f.stdout).toMatch(/on cpu \(fallback\)/);
    },
  );

  it('documents the exit codes in --help', async () => {
    const r = await run('infer', '--help');
    const help = (r.stdout + r.stderr).replace(/\s+/g, ' ');
    expect(help).toMatch(/Exit codes: 0 all clouds labelled; 1 .*; 2 some clouds failed/);
  });

  it('setup accepts only known targets', async () => {
    const r = await run('setup', 'tpu');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Invalid values|choices/i);
  });

  it('rejects bad options', async () => {
    expect((await run('infer', model, join(dir, 'in'), '--batch', '0')).code).toBe(1);
    const r = await run('infer', model, join(dir, 'in'), '--format', 'obj');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/format/);
  });
});

describe('pnet infer --eval reads the ShapeNet part layouts', () => {
  const FIXTURE = fileURLToPath(new URL('../fixtures/shapenet-benchmark', import.meta.url));
  const ID = '1021a0914a7207aff927ed529ad90a11';
  const PARTS = ['body', 'wing', 'tail', 'engine'];

  /** The fixture plane's 1-based part ids, and the accuracy of the model's own labels against them (in %). */
  async function expectedAccuracy(): Promise<{ ids: Int32Array; accuracy: string }> {
    const pts = readFileSync(join(FIXTURE, '02691156', 'points', `${ID}.pts`), 'utf8');
    const ids = parseSeg(readFileSync(join(FIXTURE, '02691156', 'points_label', `${ID}.seg`), 'utf8'), 'fixture');
    const seg = await createNodeSegmenter(model);
    try {
      const { labels } = await seg.segment(Float32Array.from(pts.trim().split(/\s+/).map(Number)));
      // The tiny model's classes are the Airplane parts in benchmark order: class k is part id k + 1.
      const right = labels.filter((l, i) => l === ids[i]! - 1).length;
      return { ids, accuracy: ((right / labels.length) * 100).toFixed(2) };
    } finally {
      await seg.dispose();
    }
  }

  it('benchmark_v0: points_label/<id>.seg with 1-based part ids', async () => {
    const { accuracy } = await expectedAccuracy();
    const r = await run('infer', model, join(FIXTURE, '02691156', 'points'), '--out', join(dir, 'out-bench'), '--eval');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`accuracy ${accuracy}%`);
    expect(r.stdout).toMatch(/eval labels: 1 from ShapeNet part benchmark points_label\/<id>\.seg/);
    expect(r.stdout).toMatch(/per-part IoU: body [\d.]+%, wing [\d.]+%, tail [\d.]+%, engine [\d.]+%/);
  });

  it('PartAnnotation: points_label/<part>/<id>.seg with 0/1 per line', async () => {
    const { ids, accuracy } = await expectedAccuracy();
    const root = join(dir, 'PartAnnotation');
    await mkdir(join(root, '02691156', 'points'), { recursive: true });
    await writeFile(
      join(root, 'metadata.json'),
      JSON.stringify({ Airplane: { directory: '02691156', lables: PARTS } }),
    );
    await writeFile(
      join(root, '02691156', 'points', `${ID}.pts`),
      readFileSync(join(FIXTURE, '02691156', 'points', `${ID}.pts`)),
    );
    for (const [k, part] of PARTS.entries()) {
      await mkdir(join(root, '02691156', 'points_label', part), { recursive: true });
      await writeFile(
        join(root, '02691156', 'points_label', part, `${ID}.seg`),
        Array.from(ids, (id) => (id === k + 1 ? '1' : '0')).join('\n') + '\n',
      );
    }
    const r = await run('infer', model, join(root, '02691156', 'points'), '--out', join(dir, 'out-pa'), '--eval');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`accuracy ${accuracy}%`);
    expect(r.stdout).toMatch(/eval labels: 1 from PartAnnotation points_label\/<part>\/<id>\.seg/);
  });

  it('a cloud of a category the model does not know is named as such, not scored', async () => {
    const r = await run('infer', model, join(FIXTURE, '03797390', 'points'), '--out', join(dir, 'out-mug'), '--eval');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /10c2b3eac377b9084b3c42e318f3affc\.seg: this cloud is a Mug; the model knows Airplane only/,
    );
  });

  it('a part id outside the category names the label file and line', async () => {
    const root = join(dir, 'bench-bad');
    await mkdir(join(root, '02691156', 'points'), { recursive: true });
    await mkdir(join(root, '02691156', 'points_label'), { recursive: true });
    await writeFile(join(root, 'synsetoffset2category.txt'), 'Airplane\t02691156\n');
    await writeFile(join(root, '02691156', 'points', 'p.pts'), '0 0 0\n1 0 0\n0 1 0\n');
    await writeFile(join(root, '02691156', 'points_label', 'p.seg'), '1\n5\n2\n');
    const r = await run(
      'infer',
      model,
      join(root, '02691156', 'points'),
      '--out',
      join(dir, 'out-bad-bench'),
      '--eval',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/points_label\/p\.seg:2: part id 5 is not a Airplane part \(expected 1–4\)/);
  });

  it('refuses an --out that would overwrite the benchmark label folder', async () => {
    const root = join(dir, 'bench-out');
    await mkdir(join(root, '02691156', 'points'), { recursive: true });
    await mkdir(join(root, '02691156', 'points_label'), { recursive: true });
    await writeFile(join(root, '02691156', 'points', 'p.pts'), '0 0 0\n1 0 0\n0 1 0\n');
    await writeFile(join(root, '02691156', 'points_label', 'p.seg'), '1\n2\n3\n');
    const r = await run(
      'infer',
      model,
      join(root, '02691156', 'points'),
      '--out',
      join(root, '02691156', 'points_label'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/would overwrite the label file/);
    expect(readFileSync(join(root, '02691156', 'points_label', 'p.seg'), 'utf8')).toBe('1\n2\n3\n');
  });
});
