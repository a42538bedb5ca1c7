import { formatPts } from '../../../src/core/formats/pts.ts';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeSegmenter } from '../../../runtime/node/index.ts';
import { readCloudFile } from '../../../runtime/node/cloud-files.ts';
import { planIsolatedRuns, segmentIsolatingFailures } from '../../../runtime/node/segment-isolating.ts';
import {
  createSegmenterPool,
  SEGMENT_WORKER_ENTRY,
  threadsPerWorker,
  type SegmenterPool,
} from '../../../runtime/node/worker-pool.ts';
import { isPnetError, PnetError } from '../../../src/core/errors.ts';
import { Rng } from '../../../src/core/rng.ts';
import { foreignModel } from './onnx-fixtures.ts';
import { TINY_CLASSES, tinyOnnx } from '../../helpers/tiny-model.ts';

let dir: string;
let model: string;
/** A worker entry that stops on request (reading `exit.pts` exits, `throw.pts` throws) and otherwise is the real one. */
let crashingEntry: URL;
const files: Record<string, string> = {};

function randomCloud(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n * 3 }, () => Math.round(rng.uniform(-1, 1) * 1e4) / 1e4);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-pool-'));
  model = await tinyOnnx(dir);
  await writeFile(join(dir, 'relu.onnx'), foreignModel());
  const rng = new Rng(5);
  for (const [name, n] of [
    ['a', 300],
    ['b', 300],
    ['c', 120],
    ['d', 300],
  ] as const) {
    files[name] = join(dir, `${name}.pts`);
    await writeFile(files[name]!, formatPts(randomCloud(rng, n)));
  }
  files.nan = join(dir, 'nan.pts');
  await writeFile(files.nan, '1 2 3\n4 NaN 6\n');
  crashingEntry = new URL(`file://${join(dir, 'crashing-worker.mjs')}`);
  await writeFile(
    crashingEntry,
    [
      "import { parentPort } from 'node:worker_threads';",
      'parentPort.on("message", (m) => {',
      '  if (m.type !== "read") return;',
      '  if (m.files.some((f) => f.endsWith("exit.pts"))) process.exit(3);',
      '  if (m.files.some((f) => f.endsWith("throw.pts"))) throw new Error("boom in the worker");',
      '});',
      `await import(${JSON.stringify(SEGMENT_WORKER_ENTRY.href)});`,
    ].join('\n'),
  );
});

describe('threadsPerWorker', () => {
  it('splits the cores so that workers × threads ≤ cores, at least one thread each', () => {
    expect(threadsPerWorker(1, 2)).toBe(2);
    expect(threadsPerWorker(2, 2)).toBe(1);
    expect(threadsPerWorker(3, 2)).toBe(1);
    expect(threadsPerWorker(3, 16)).toBe(5);
    expect(threadsPerWorker(4, 16)).toBe(4);
  });
});

describe('planIsolatedRuns', () => {
  it('batches equal sizes like segmentMany, and runs each cloud alone when one of them is bad', () => {
    const c = (n: number) => new Float32Array(n * 3).fill(0.5);
    expect(planIsolatedRuns([c(4), c(5), c(4), c(4)], 2)).toEqual({ runs: [[0, 2], [1], [3]], invalid: new Map() });
    const bad = new Float32Array([0, Number.NaN, 0]);
    const plan = planIsolatedRuns([c(4), bad, c(4)], 8);
    expect(plan.runs).toEqual([[0], [2]]);
    expect(plan.invalid.get(1)!.message).toMatch(/point 1 has a non-finite coordinate/);
  });
});

describe('SegmenterPool', () => {
  let pool: SegmenterPool;
  afterAll(async () => {
    await pool?.close();
  });

  it('starts workers that load TypeScript, with the cores split among them', async () => {
    pool = await createSegmenterPool(model, { workers: 2 });
    expect(pool.size).toBe(2);
    expect(pool.threads).toBe(threadsPerWorker(2));
    expect(pool.info.classes).toEqual(TINY_CLASSES);
    expect(pool.executionProvider).toBe('cpu');
  });

  it('reads clouds as this thread does, and names the file and line of a bad one', async () => {
    const got = await pool.readClouds([files.a!, files.nan!, files.c!]);
    expect(Array.from(got[0] as Float32Array)).toEqual(Array.from(await readCloudFile(files.a!)));
    expect(Array.from(got[2] as Float32Array)).toEqual(Array.from(await readCloudFile(files.c!)));
    const e = got[1] as PnetError;
    expect(isPnetError(e)).toBe(true);
    expect(e.describe()).toMatch(/nan\.pts:2: not a number: "NaN"/);
  });

  it('runs groups of clouds with the same results as a session in this thread, bit for bit', async () => {
    const clouds = await Promise.all([files.a!, files.b!, files.d!, files.c!].map(readCloudFile));
    const here = await createNodeSegmenter(model);
    try {
      const groups = [[clouds[0]!, clouds[1]!, clouds[2]!], [clouds[3]!]];
      const [batched, single] = await Promise.all(groups.map((g) => pool.segmentGroup(g)));
      const expected = [
        ...(await segmentIsolatingFailures(here, groups[0]!, 3)),
        ...(await segmentIsolatingFailures(here, groups[1]!, 1)),
      ];
      [...batched!, ...single!].forEach((r, i) => {
        const want = expected[i]!;
        if (r instanceof Error || want instanceof Error) throw new Error('unexpected failure');
        expect(Array.from(r.labels)).toEqual(Array.from(want.labels));
        expect(Buffer.from(r.probabilities.buffer).equals(Buffer.from(want.probabilities.buffer))).toBe(true);
        expect(r.numPoints).toBe(want.numPoints);
      });
      // The caller keeps its clouds (they are copied to the worker, not moved).
      expect(clouds[0]!.length).toBe(900);
    } finally {
      await here.dispose();
    }
  });

  it("reports a cloud the model cannot run as that cloud's error", async () => {
    const [r] = await pool.segmentGroup([new Float32Array([1, 2])]);
    expect(r).toBeInstanceOf(Error);
    expect((r as Error).message).toMatch(/not a multiple of 3/);
  });

  it('close() lets the workers exit, after which requests are refused with a PnetError', async () => {
    await pool.close();
    const refused = await pool.readClouds([files.a!]).catch((e: unknown) => e);
    expect(isPnetError(refused) && refused.code).toBe('RUN_FAILED');
    await expect(pool.segment(new Float32Array(3))).rejects.toThrow(/was disposed/);
  });
});

describe('SegmenterPool model sources and options', () => {
  it('opens a model given as bytes or an http URL, labelling as from its path; `await using` closes it', async () => {
    const bytes = await readFile(model);
    const server = createServer((req, res) => {
      if (req.url === '/tiny.onnx') res.end(bytes);
      else res.writeHead(404).end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tiny.onnx`;
    const cloud = await readCloudFile(files.a!);
    const here = await createNodeSegmenter(model);
    try {
      const want = Array.from((await here.segment(cloud)).labels);
      let kept: SegmenterPool | undefined;
      for (const source of [new Uint8Array(bytes), url]) {
        await using pool = await createSegmenterPool(source, { workers: 1, executionProviders: ['cpu'] });
        kept = pool;
        expect(Array.from((await pool.segment(cloud)).labels), String(source).slice(0, 40)).toEqual(want);
      }
      await expect(kept!.segment(cloud)).rejects.toThrow(/was disposed/);
      const missing = await createSegmenterPool(`${url}.missing`, { workers: 1 }).catch((e: unknown) => e);
      expect(isPnetError(missing) && missing.code).toBe('NOT_FOUND');
    } finally {
      server.close();
      await here.dispose();
    }
  });

  it('refuses an unknown execution provider before starting any worker', async () => {
    const err = await createSegmenterPool(model, { workers: 2, executionProviders: ['tpu' as 'cpu'] }).catch(
      (e: unknown) => e,
    );
    expect(isPnetError(err) && err.code).toBe('BAD_ARGUMENT');
  });
});

describe('SegmenterPool failures', () => {
  it('fails to start with the model error, naming the file', async () => {
    const err = await createSegmenterPool(join(dir, 'relu.onnx'), { workers: 2 }).catch((e: unknown) => e);
    expect(isPnetError(err)).toBe(true);
    expect((err as PnetError).describe()).toMatch(/relu\.onnx: not a pnet model/);
    const missing = await createSegmenterPool(join(dir, 'nope.onnx'), { workers: 2 }).catch((e: unknown) => e);
    expect((missing as PnetError).describe()).toMatch(/nope\.onnx: model file not found/);
  });

  it('a worker that stops fails only the request it held; the others carry on, then the rest are refused', async () => {
    const pool = await createSegmenterPool(model, { workers: 2, workerEntry: crashingEntry });
    try {
      await expect(pool.readClouds([files.a!, join(dir, 'exit.pts')])).rejects.toThrow(
        /worker thread [12] stopped unexpectedly \(exit code 3\)/,
      );
      // The surviving worker still answers, several requests in a row.
      const answers = await Promise.all([
        pool.readClouds([files.a!]),
        pool.readClouds([files.b!]),
        pool.segmentGroup([new Float32Array(30).fill(0.25)]),
      ]);
      expect(answers[0]![0]).toBeInstanceOf(Float32Array);
      expect(answers[1]![0]).toBeInstanceOf(Float32Array);
      expect(answers[2]![0]).not.toBeInstanceOf(Error);
      await expect(pool.readClouds([join(dir, 'throw.pts')])).rejects.toThrow(
        /stopped unexpectedly \(exit code 1: boom in the worker\)/,
      );
      await expect(pool.readClouds([files.a!])).rejects.toThrow(/every worker thread has stopped/);
    } finally {
      await pool.close();
    }
  });

  it('close(reason) rejects what was queued or running with the reason, lets running work end, and the workers exit', async () => {
    const pool = await createSegmenterPool(model, { workers: 2 });
    const big = Float32Array.from({ length: 60_000 * 3 }, (_, i) => Math.sin(i));
    const pending = [
      pool.segmentGroup([big]),
      pool.segmentGroup([big]),
      ...Array.from({ length: 4 }, () => pool.readClouds([files.a!])),
    ];
    const settled = Promise.allSettled(pending);
    const reason = new PnetError('INTERRUPTED', 'stop now');
    // Two model runs are in flight on the workers: closing must wait for them instead of tearing ORT down mid-run.
    await pool.close(reason);
    const outcomes = await settled;
    for (const o of outcomes) expect(o.status === 'rejected' && o.reason).toBe(reason);
    await expect(pool.segmentGroup([new Float32Array(3)])).rejects.toBe(reason);
  });
});
