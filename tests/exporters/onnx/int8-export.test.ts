/**
 * `pnet export --int8`: a lite model trained briefly on synthetic airplanes (random-weight nets have near-tied
 * logits everywhere, so any 8-bit rounding flips their labels; a trained net has real margins), calibrated on the
 * synthetic dataset, checked against its fp32 export on airplanes it never saw.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildOnnxModel, decodeOnnx, type Int8Calibration } from '../../../exporters/onnx/index.ts';
import { exportCheckpointToInt8Onnx } from '../../../src/quantize/index.ts';
import { readCheckpointForExport } from '../../../exporters/onnx/export-checkpoint.ts';
import { onnx } from '../../../exporters/onnx/onnx-proto.ts';
import { METADATA_KEYS, readModelInfoFromOnnx } from '../../../src/core/contract.ts';
import { Rng } from '../../../src/core/rng.ts';
import { synthAirplane } from '../../../src/data/synth.ts';
import { train } from '../../../src/train/index.ts';
import { runPnet } from '../../helpers/run-cli.ts';
import { chromiumProblem } from '../../../src/browser/chromium.ts';
import { syntheticRunsFolder } from '../../train/synthetic-runs.ts';
import { SYNTH_CLASSES, tinyCheckpoint } from '../../helpers/tiny-model.ts';

const runs = syntheticRunsFolder('pnet-int8-', 1);
let runDir: string;
let out: string;
let int8: Uint8Array;
let fp32: Uint8Array;

/** Airplanes the model was neither trained nor calibrated on, at their own point counts. */
function unseenClouds(count: number): Float32Array[] {
  const rng = new Rng(4242);
  return Array.from({ length: count }, (_, i) => synthAirplane(rng.fork(i + 1), `unseen_${i}`).points);
}

async function labelsOf(bytes: Uint8Array, clouds: Float32Array[]): Promise<BigInt64Array[]> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out: BigInt64Array[] = [];
    for (const c of clouds) {
      const r = await session.run({ points: new ort.Tensor('float32', c, [1, c.length / 3, 3]) });
      out.push(r.labels!.data as BigInt64Array);
    }
    return out;
  } finally {
    await session.release();
  }
}

beforeAll(async () => {
  runDir = path.join(runs.dir, 'run');
  // 12 epochs at this rate: labels differ over a cloud (wing vs body) with margins; ~30–80 s on 2 busy cores.
  await train(runs.options(runDir, { epochs: 12, learningRate: 0.005 }));
  out = path.join(runs.dir, 'model.int8.onnx');
  const r = await runPnet('export', runDir, '--onnx', out, '--int8', '--calibrate', runs.data);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/int8: calibrated \(minmax\) on 10 of 10 clouds/);
  expect(r.stdout).toMatch(/labels agree \d+\.\d+%/);
  int8 = await readFile(out);
  const checkpoint = (await readdir(runDir)).includes('best.ckpt') ? 'best.ckpt' : 'last.ckpt';
  fp32 = buildOnnxModel(await readCheckpointForExport(path.join(runDir, checkpoint)));
}, 300_000);

describe('pnet export --int8', () => {
  it('loads in onnxruntime-node with the contract: points in, float32 probabilities and int64 labels out', async () => {
    const session = await ort.InferenceSession.create(int8);
    expect(session.inputNames).toEqual(['points']);
    expect(session.outputNames).toEqual(['probabilities', 'labels']);
    const [a, b] = unseenClouds(2).map((c) => c.subarray(0, 700 * 3));
    const batch = new Float32Array([...a!, ...b!]);
    const r = await session.run({ points: new ort.Tensor('float32', batch, [2, 700, 3]) });
    await session.release();
    const classes = readModelInfoFromOnnx(int8).classes.length;
    expect(r.probabilities!.type).toBe('float32');
    expect(r.probabilities!.dims).toEqual([2, 700, classes]);
    expect(r.labels!.type).toBe('int64');
    expect(r.labels!.dims).toEqual([2, 700]);
    const p = r.probabilities!.data as Float32Array;
    for (let i = 0; i < 700 * 2; i++) {
      const row = p.subarray(i * classes, (i + 1) * classes);
      expect(Math.abs(row.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-4);
    }
  });

  it('records int8 and how it was calibrated in the metadata', () => {
    const m = Object.fromEntries(decodeOnnx(int8).metadataProps!.map((p) => [p.key!, p.value!]));
    expect(m[METADATA_KEYS.precision]).toBe('int8');
    const c = JSON.parse(m[METADATA_KEYS.calibration]!) as Int8Calibration;
    expect(c).toMatchObject({
      method: 'minmax',
      clouds: 10,
      data: 'data',
      source: 'dataset',
      categories: ['Airplane'],
      activations: 'uint8 per tensor',
      weights: 'int8 symmetric per output channel',
    });
    expect(c.data_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(c.float32_layers).toEqual(['input_tnet/conv1', 'input_tnet/final', 'features/conv1', 'seg/head']);
    expect(c.int8_weight_only_layers).toEqual(['input_tnet/dense1', 'feature_tnet/dense1', 'seg/conv1/global']);
  });

  it('gives the fp32 labels on ≥ 99% of the points of unseen airplanes, and labels vary over a cloud', async () => {
    const clouds = unseenClouds(8);
    const [a, b] = [await labelsOf(fp32, clouds), await labelsOf(int8, clouds)];
    let same = 0;
    let total = 0;
    const seen = new Set<bigint>();
    a.forEach((labels, i) => {
      for (let j = 0; j < labels.length; j++) {
        seen.add(labels[j]!);
        if (labels[j] === b[i]![j]) same++;
        total++;
      }
    });
    expect(seen.size).toBeGreaterThan(1);
    expect(same / total).toBeGreaterThanOrEqual(0.99);
  });

  it('holds QDQ pairs and int8 weights, is smaller than fp32, and onnxruntime fuses it into int8 kernels', async () => {
    const graph = decodeOnnx(int8).graph!;
    const ops = graph.node!.map((n) => n.opType);
    expect(ops).toContain('QuantizeLinear');
    expect(ops).toContain('DequantizeLinear');
    const int8Weights = graph.initializer!.filter(
      (t) => t.dataType === onnx.TensorProto.DataType.INT8 && t.dims!.length > 1,
    );
    // Every Conv / Gemm but the four float32 layers: 16 of the 20.
    expect(int8Weights.length).toBe(16);
    expect(graph.initializer!.some((t) => t.name === 'features/conv5/weight')).toBe(false);
    expect(int8.length).toBeLessThan(0.4 * fp32.length);

    const optimized = path.join(runs.dir, 'optimized.onnx');
    const session = await ort.InferenceSession.create(int8, { optimizedModelFilePath: optimized });
    await session.release();
    const optimizedGraph = decodeOnnx(await readFile(optimized)).graph!;
    const fused = optimizedGraph.node!.map((n) => n.opType);
    expect(fused.filter((op) => op === 'QLinearConv').length).toBe(10);
    expect(fused).toContain('QGemm');
    // The weight DequantizeLinears onnxruntime leaves to run on every inference (the Gemms after a max over the
    // points) go a contiguous row per channel (axis 0), never element by element along axis 1.
    const int8Matrices = new Set(
      optimizedGraph
        .initializer!.filter((t) => t.dataType === onnx.TensorProto.DataType.INT8 && t.dims!.length === 2)
        .map((t) => t.name!),
    );
    const weightAxes = optimizedGraph
      .node!.filter((n) => n.opType === 'DequantizeLinear' && int8Matrices.has(n.input![0]!))
      .map((n) => Number(n.attribute?.find((a) => a.name === 'axis')?.i ?? 1));
    expect(weightAxes.length).toBeGreaterThan(0);
    expect(weightAxes.every((axis) => axis === 0)).toBe(true);
  });

  it('writes the same bytes for the same checkpoint and calibration data', async () => {
    const again = path.join(runs.dir, 'again.int8.onnx');
    const r = await runPnet('export', runDir, '--onnx', again, '--int8', '--calibrate', runs.data);
    expect(r.code).toBe(0);
    expect(Buffer.compare(await readFile(again), int8)).toBe(0);
  });

  it('calibrates on a folder of cloud files, taking the number asked for', async () => {
    const folder = path.join(runs.dir, 'clouds');
    await mkdir(folder, { recursive: true });
    for (const [i, c] of unseenClouds(4).entries()) {
      const lines = Array.from({ length: c.length / 3 }, (_, p) => `${c[p * 3]} ${c[p * 3 + 1]} ${c[p * 3 + 2]}`);
      await writeFile(path.join(folder, `cloud_${i}.pts`), `${lines.join('\n')}\n`);
    }
    const report = await exportCheckpointToInt8Onnx(
      path.join(runDir, (await readdir(runDir)).includes('best.ckpt') ? 'best.ckpt' : 'last.ckpt'),
      path.join(runs.dir, 'from-files.int8.onnx'),
      { data: folder, clouds: 3, method: 'percentile' },
    );
    expect(report.calibration).toMatchObject({
      method: 'percentile',
      percentile: 99.99,
      clouds: 3,
      source: 'cloud-files',
    });
    expect(report.calibrationData).toEqual({ path: folder, available: 4, skipped: 0 });
    expect(report.metadata[METADATA_KEYS.precision]).toBe('int8');
  });
});

describe('pnet export --int8 --triton', () => {
  const modelIn = (stdout: string, repo: string) => {
    const name = /wrote Triton model "([^"]+)" version 1/.exec(stdout)![1]!;
    return path.join(repo, name, '1', 'model.onnx');
  };

  it('puts the very file --onnx wrote into the repository, calibrated once, and says where int8 runs fast', async () => {
    const repo = path.join(runs.dir, 'triton-both');
    const target = path.join(runs.dir, 'triton-both.int8.onnx');
    const r = await runPnet('export', runDir, '--onnx', target, '--int8', '--calibrate', runs.data, '--triton', repo);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/int8: calibrated/g)).toHaveLength(1);
    const served = await readFile(modelIn(r.stdout, repo));
    expect(served.equals(await readFile(target))).toBe(true);
    const precision = decodeOnnx(served).metadataProps!.find((p) => p.key === METADATA_KEYS.precision)?.value;
    expect(precision).toBe('int8');
    expect(r.stderr.trim()).toMatch(/^note: int8 QDQ models get their int8 kernels from onnxruntime on CPU;/);
  });

  it('writes the same int8 model into a repository alone, on CPU instances without the note', async () => {
    const repo = path.join(runs.dir, 'triton-only');
    const r = await runPnet(
      'export',
      runDir,
      '--int8',
      '--calibrate',
      runs.data,
      '--triton',
      repo,
      '--instance-kind',
      'cpu',
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/int8: calibrated \(minmax\) on 10 of 10 clouds/);
    expect((await readFile(modelIn(r.stdout, repo))).equals(int8)).toBe(true);
    expect(await readdir(runDir)).not.toContain('model.int8.onnx');
  });
});

describe('pnet parity --int8', () => {
  it('adds int8 rows for onnxruntime-node CPU and onnxruntime-web WASM in Node and Chromium, held to labels ≥ 99%', async () => {
    const browser = (await chromiumProblem()) === undefined;
    const args = ['parity', runDir, '--int8', out, '--data', runs.data, '--clouds', '2', '--tf-backend', 'cpu'];
    const r = await runPnet(...args, ...(browser ? [] : ['--no-browser']));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = [
      'onnxruntime-node cpu, int8',
      'onnxruntime-web wasm (Node), int8',
      'onnxruntime-web wasm (Chromium), int8',
    ];
    for (const runtime of rows) {
      const line = r.stdout.split('\n').find((l) => l.startsWith(`| ${runtime} |`));
      expect(line, runtime).toBeDefined();
      const cells = line!.split(' | ');
      if (runtime.includes('Chromium') && !browser) {
        expect(cells[5]).toBe('skipped');
        continue;
      }
      expect(Number.parseFloat(cells[2]!)).toBeGreaterThanOrEqual(99);
      expect(cells[4]).toBe('labels ≥ 99.0%');
      expect(cells[5]).toBe('PASS');
    }
  }, 120_000);

  it('refuses an fp32 file or an int8 file of another checkpoint, in one line', async () => {
    const fp32File = path.join(runs.dir, 'fp32-for-parity.onnx');
    await writeFile(fp32File, fp32);
    const a = await runPnet('parity', runDir, '--int8', fp32File, '--no-browser', '--tf-backend', 'cpu');
    expect(a.code).not.toBe(0);
    expect(a.stderr.trim()).toMatch(/fp32-for-parity\.onnx: not an int8 export: its pnet\.precision is float32/);
    const other = path.join(runs.dir, 'tiny-for-parity', 'last.ckpt');
    await tinyCheckpoint(other, { classes: SYNTH_CLASSES });
    const b = await runPnet('parity', other, '--int8', out, '--no-browser', '--tf-backend', 'cpu');
    expect(b.code).not.toBe(0);
    expect(b.stderr.trim().split('\n')[0]).toMatch(/model\.int8\.onnx: was not exported from .*last\.ckpt/);
  });
});

describe('pnet export --int8 on a net int8 does not suit', () => {
  it('writes the file but warns when labels agree on fewer than 99% of the calibration points', async () => {
    // The tiny random-weight net: its logits are near-tied on most points, so 8-bit rounding flips a few percent.
    const checkpoint = path.join(runs.dir, 'tiny', 'last.ckpt');
    await tinyCheckpoint(checkpoint, { classes: SYNTH_CLASSES });
    const target = path.join(runs.dir, 'tiny', 'tiny.int8.onnx');
    const r = await runPnet('export', checkpoint, '--onnx', target, '--int8', '--calibrate', runs.data);
    expect(r.code).toBe(0);
    expect(existsSync(target)).toBe(true);
    const agreement = Number(/labels agree (\d+\.\d+)%/.exec(r.stdout)![1]);
    expect(agreement).toBeLessThan(99);
    expect(r.stderr.trim()).toBe(
      `warning: this int8 export gives the fp32 labels on only ${agreement.toFixed(2)}% of the calibration points; ` +
        'calibrate on more or other clouds (--calibration-clouds, --calibration-method), or export without --int8',
    );
  });
});

describe('pnet export --int8 refuses, in one line, writing nothing', () => {
  const refused = async (name: string, ...extra: string[]) => {
    const target = path.join(runs.dir, 'refused', `${name}.onnx`);
    const r = await runPnet('export', runDir, '--onnx', target, ...extra);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(existsSync(path.dirname(target)) ? await readdir(path.dirname(target)) : []).toEqual([]);
    return r.stderr.trim();
  };

  it('--int8 without --calibrate', async () => {
    const e = await refused('no-data', '--int8');
    expect(e).toMatch(/--int8 needs --calibrate DATA/);
    expect(e.split('\n')).toHaveLength(1);
  });

  it('--calibrate without --int8, and --int8 with --fp16', async () => {
    expect(await refused('stray', '--calibrate', runs.data)).toMatch(/--calibrate only apply with --int8/);
    expect(await refused('both', '--int8', '--fp16', '--calibrate', runs.data)).toMatch(/choose one/);
  });

  it('a calibration folder with no usable cloud', async () => {
    const empty = path.join(runs.dir, 'empty');
    await mkdir(empty, { recursive: true });
    const e = await refused('empty', '--int8', '--calibrate', empty);
    expect(e).toBe(`pnet: ${empty}: no usable calibration cloud: no .pts/.ply cloud found`);

    const broken = path.join(runs.dir, 'broken');
    await mkdir(broken, { recursive: true });
    await writeFile(path.join(broken, 'a.pts'), '1 2 three\n');
    const e2 = await refused('broken', '--int8', '--calibrate', broken);
    expect(e2).toMatch(
      new RegExp(`^pnet: ${broken}: no usable calibration cloud: none of 1 clouds could be read \\(a\\.pts: `),
    );
    expect(e2.split('\n')).toHaveLength(1);
  });

  it('a category the calibration data lacks', async () => {
    const e = await refused('chair', '--int8', '--calibrate', runs.data, '--category', 'Chair');
    expect(e).toMatch(/no category "Chair" in this dataset; it has: Airplane/);
    expect(e.split('\n')).toHaveLength(1);
  });
});
