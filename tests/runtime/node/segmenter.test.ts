import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { createNodeSegmenter, onnxruntimeBinDir } from '../../../runtime/node/index.ts';
import type { Segmenter } from '../../../runtime/segmenter.ts';
import { PnetError } from '../../../src/core/errors.ts';
import { Rng } from '../../../src/core/rng.ts';
import { normalizeUnitSphere } from '../../../src/core/normalize.ts';
import { foreignModel, linearPnetModel } from './onnx-fixtures.ts';
import { tinyOnnx } from '../../helpers/tiny-model.ts';

let dir: string;
const CLASSES = ['a', 'b', 'c'];
const COLORS = ['#ff0000', '#00ff00', '#0000ff'];
// Class scores x·W: class 0 follows x, class 1 follows y, class 2 follows -x-y.
const W = new Float32Array([1, 0, -1, 0, 1, -1, 0, 0, 0]);

function randomCloud(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n * 3 }, () => rng.uniform(-2, 2));
}

/** The stand-in model declares `pnet.normalization: none`, so the runtime centres and scales before the run. */
function expectedLinearLabels(raw: Float32Array): number[] {
  const xyz = normalizeUnitSphere(raw);
  const out: number[] = [];
  for (let i = 0; i < xyz.length / 3; i++) {
    const [x, y] = [xyz[i * 3]!, xyz[i * 3 + 1]!];
    const scores = [x, y, -x - y];
    out.push(scores.indexOf(Math.max(...scores)));
  }
  return out;
}

async function expectPnetError(p: Promise<unknown>, code: string, pattern: RegExp): Promise<PnetError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PnetError);
  expect((e as PnetError).code).toBe(code);
  expect((e as PnetError).describe()).toMatch(pattern);
  return e as PnetError;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-seg-'));
  await writeFile(join(dir, 'linear.onnx'), linearPnetModel({ weights: W, classes: CLASSES, colors: COLORS }));
  await tinyOnnx(dir);
  await writeFile(join(dir, 'relu.onnx'), foreignModel());
  await writeFile(join(dir, 'text.onnx'), 'this is not a model\n');
  await mkdir(join(dir, 'folder.onnx'));
  // The contract's metadata on a graph whose output has another name.
  await writeFile(
    join(dir, 'renamed.onnx'),
    linearPnetModel({ weights: W, classes: CLASSES, colors: COLORS, probabilitiesName: 'scores_softmax' }),
  );
});

describe('createNodeSegmenter on a contract-following stand-in model', () => {
  let seg: Segmenter;
  beforeAll(async () => {
    seg = await createNodeSegmenter(join(dir, 'linear.onnx'), { threads: 1 });
  });
  afterAll(async () => seg.dispose());

  it('reports the model info and the EP', () => {
    expect(seg.info.classes).toEqual(CLASSES);
    expect(seg.executionProvider).toBe('cpu');
    expect(seg.fallbackReason).toBeUndefined();
  });

  it('labels every point as the hand-computed argmax, with probabilities summing to 1', async () => {
    const cloud = randomCloud(new Rng(1), 37);
    const r = await seg.segment(cloud);
    expect(r.numPoints).toBe(37);
    expect(Array.from(r.labels)).toEqual(expectedLinearLabels(cloud));
    expect(r.probabilities.length).toBe(37 * 3);
    for (let p = 0; p < 37; p++) {
      const row = r.probabilities.subarray(p * 3, p * 3 + 3);
      expect(row[0]! + row[1]! + row[2]!).toBeCloseTo(1, 5);
      expect(row.indexOf(Math.max(...row))).toBe(r.labels[p]);
    }
    expect(r.executionProvider).toBe('cpu');
    expect(r.ms).toBeGreaterThan(0);
  });

  it('segments many clouds of mixed sizes, each result in input order', async () => {
    const rng = new Rng(2);
    const clouds = [5, 9, 5, 5, 9, 1].map((n) => randomCloud(rng, n));
    const results = await seg.segmentMany(clouds, { maxBatch: 2 });
    expect(results.map((r) => r.numPoints)).toEqual([5, 9, 5, 5, 9, 1]);
    for (const [i, r] of results.entries()) expect(Array.from(r.labels)).toEqual(expectedLinearLabels(clouds[i]!));
  });

  it('rejects clouds it cannot segment with BAD_INPUT', async () => {
    await expectPnetError(seg.segment(new Float32Array()), 'BAD_INPUT', /0 points/);
    await expectPnetError(seg.segment(new Float32Array([1, 2, NaN])), 'BAD_INPUT', /non-finite/);
    await expectPnetError(seg.segment(new Float32Array(5)), 'BAD_INPUT', /multiple of 3/);
    await expectPnetError(
      seg.segmentMany([new Float32Array(3), new Float32Array(0)]),
      'BAD_INPUT',
      /cloud 2 of 2: .*0 points/,
    );
  });
});

describe('createNodeSegmenter on an exported pnet model', () => {
  let seg: Segmenter;
  beforeAll(async () => {
    seg = await createNodeSegmenter(join(dir, 'tiny.onnx'));
  });
  afterAll(async () => seg.dispose());

  it('gives the same labels batched and one by one', async () => {
    const rng = new Rng(3);
    const clouds = [64, 64, 64, 50].map((n) => randomCloud(rng, n));
    const batched = await seg.segmentMany(clouds, { maxBatch: 3 });
    for (let i = 0; i < clouds.length; i++) {
      const single = await seg.segment(clouds[i]!);
      expect(Array.from(batched[i]!.labels)).toEqual(Array.from(single.labels));
      for (let j = 0; j < single.probabilities.length; j++) {
        expect(Math.abs(batched[i]!.probabilities[j]! - single.probabilities[j]!)).toBeLessThan(1e-5);
      }
    }
    // Seeded random weights must not collapse to one class, or the checks above would prove little.
    expect(new Set(batched.flatMap((r) => Array.from(r.labels))).size).toBeGreaterThan(1);
  });

  it('labels points independently of their order (PointNet is permutation-equivariant)', async () => {
    const rng = new Rng(4);
    const n = 80;
    const cloud = randomCloud(rng, n);
    const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
    const permuted = new Float32Array(n * 3);
    for (const [dst, src] of order.entries()) permuted.set(cloud.subarray(src * 3, src * 3 + 3), dst * 3);
    const a = await seg.segment(cloud);
    const b = await seg.segment(permuted);
    expect(order.map((src) => a.labels[src])).toEqual(Array.from(b.labels));
  });

  it('takes any point count, including 1', async () => {
    const r = await seg.segment(new Float32Array([0.1, 0.2, 0.3, 0.5, -0.1, 0.2]));
    expect(r.labels.length).toBe(2);
  });
});

describe('createNodeSegmenter errors', () => {
  it('names a missing model file', async () => {
    const e = await expectPnetError(
      createNodeSegmenter(join(dir, 'nope.onnx')),
      'NOT_FOUND',
      /nope\.onnx: model file not found/,
    );
    expect(e.file).toBe(join(dir, 'nope.onnx'));
  });

  it('rejects a directory, a text file, and a model without pnet metadata', async () => {
    await expectPnetError(createNodeSegmenter(join(dir, 'folder.onnx')), 'BAD_MODEL', /folder\.onnx: .*directory/);
    await expectPnetError(
      createNodeSegmenter(join(dir, 'text.onnx')),
      'BAD_MODEL',
      /text\.onnx: not a readable ONNX model/,
    );
    await expectPnetError(createNodeSegmenter(join(dir, 'relu.onnx')), 'BAD_MODEL', /relu\.onnx: not a pnet model/);
  });

  it('rejects pnet metadata on a graph that breaks the I/O contract', async () => {
    await expectPnetError(
      createNodeSegmenter(join(dir, 'renamed.onnx')),
      'BAD_MODEL',
      /renamed\.onnx: the graph does not follow the pnet contract: missing output "probabilities"/,
    );
  });

  it('rejects unknown EPs and bad thread counts', async () => {
    await expectPnetError(
      createNodeSegmenter(join(dir, 'linear.onnx'), { ep: 'tpu' as never }),
      'BAD_ARGUMENT',
      /cpu, cuda/,
    );
    await expectPnetError(createNodeSegmenter(join(dir, 'linear.onnx'), { threads: 0 }), 'BAD_ARGUMENT', /threads/);
  });

  it('fails on --ep cuda when the CUDA EP is missing, saying what and how to fix it; falls back when asked', async () => {
    const missing = {
      platform: 'linux',
      arch: 'x64',
      ortBinDir: join(dir, 'no-bin'),
      libraryDirs: [join(dir, 'no-lib')],
      pathDirs: [],
    };
    const e = await expectPnetError(
      createNodeSegmenter(join(dir, 'linear.onnx'), { ep: 'cuda', cudaEnvironment: missing }),
      'EP_UNAVAILABLE',
      /libonnxruntime_providers_cuda\.so is missing[\s\S]*libcuda\.so\.1 not found/,
    );
    expect(e.remedy).toContain('npx pnet setup cuda');
    expect(e.remedy).toContain('--fallback cpu');
    const seg = await createNodeSegmenter(join(dir, 'linear.onnx'), {
      ep: 'cuda',
      fallback: 'cpu',
      cudaEnvironment: missing,
    });
    expect(seg.executionProvider).toBe('cpu');
    expect(seg.fallbackReason).toMatch(/CUDA is unavailable .*running on the CPU/);
    const r = await seg.segment(new Float32Array([1, 0, 0]));
    expect(r.executionProvider).toBe('cpu');
    // Every result names its parts and colours, as on the web, so it can be drawn without the segmenter.
    expect([r.classes, r.colors]).toEqual([seg.info.classes, seg.info.colors]);
    await seg.dispose();
    await seg.dispose(); // twice is harmless
    // After dispose: a PnetError naming the model, not onnxruntime's own "Session already disposed".
    const after = await expectPnetError(seg.segment(new Float32Array([1, 0, 0])), 'RUN_FAILED', /was disposed/);
    expect(after.file).toBe(join(dir, 'linear.onnx'));
  });

  // Where the real CUDA EP is installed, onnxruntime may start it, so this failure path cannot be provoked there.
  const realCudaEp = existsSync(join(onnxruntimeBinDir(), 'libonnxruntime_providers_cuda.so'));
  it.skipIf(realCudaEp)(
    'reports a failing CUDA session start as EP_UNAVAILABLE when the probe passes but the EP cannot load',
    async () => {
      // Fake EP and driver files satisfy the probe; onnxruntime then fails to load its real CUDA provider library.
      const fake = join(dir, 'fake-cuda');
      await mkdir(join(fake, 'bin'), { recursive: true });
      await mkdir(join(fake, 'lib'), { recursive: true });
      await writeFile(join(fake, 'bin', 'libonnxruntime_providers_cuda.so'), '');
      await writeFile(join(fake, 'lib', 'libcuda.so.1'), '');
      const env = {
        platform: 'linux',
        arch: 'x64',
        ortBinDir: join(fake, 'bin'),
        libraryDirs: [join(fake, 'lib')],
        pathDirs: [],
      };
      await expectPnetError(
        createNodeSegmenter(join(dir, 'linear.onnx'), { ep: 'cuda', cudaEnvironment: env }),
        'EP_UNAVAILABLE',
        /could not start the CUDA EP/,
      );
      const seg = await createNodeSegmenter(join(dir, 'linear.onnx'), {
        ep: 'cuda',
        fallback: 'cpu',
        cudaEnvironment: env,
      });
      expect(seg.executionProvider).toBe('cpu');
      await seg.dispose();
    },
  );
});

describe('createNodeSegmenter model sources and ONNX Runtime options', () => {
  it('opens the same model from a path, a file: URL, an http URL and its bytes, with the same labels', async () => {
    const path = join(dir, 'linear.onnx');
    const bytes = await readFile(path);
    const server = createServer((req, res) => {
      if (req.url === '/linear.onnx') res.end(bytes);
      else res.writeHead(404).end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const cloud = randomCloud(new Rng(9), 21);
      for (const source of [path, pathToFileURL(path), `${base}/linear.onnx`, new Uint8Array(bytes)]) {
        const seg = await createNodeSegmenter(source, { threads: 1 });
        expect(Array.from((await seg.segment(cloud)).labels), String(source)).toEqual(expectedLinearLabels(cloud));
        await seg.dispose();
      }
      await expectPnetError(createNodeSegmenter(`${base}/missing.onnx`), 'NOT_FOUND', /HTTP 404/);
    } finally {
      server.close();
    }
  });

  it('is released by `await using` at the end of its block, after which a call is a PnetError', async () => {
    let kept: Segmenter | undefined;
    {
      await using seg = await createNodeSegmenter(join(dir, 'linear.onnx'), { threads: 1 });
      kept = seg;
      expect((await seg.segment(new Float32Array([1, 0, 0]))).numPoints).toBe(1);
    }
    await expectPnetError(kept.segment(new Float32Array([1, 0, 0])), 'RUN_FAILED', /was disposed/);
  });

  it('passes session options through and takes the providers as a list', async () => {
    const optimized = join(dir, 'optimized.onnx');
    const seg = await createNodeSegmenter(join(dir, 'linear.onnx'), {
      executionProviders: ['cpu'],
      sessionOptions: { optimizedModelFilePath: optimized },
    });
    expect(seg.executionProvider).toBe('cpu');
    await seg.dispose();
    expect(existsSync(optimized)).toBe(true);
    await expectPnetError(
      createNodeSegmenter(join(dir, 'linear.onnx'), { executionProviders: ['tpu' as 'cpu'] }),
      'BAD_ARGUMENT',
      /unknown execution provider "tpu"/,
    );
  });
});
