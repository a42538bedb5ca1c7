/**
 * TritonSegmenter against a local KServe v2 endpoint that serves a real `pnet export --triton` repository and runs
 * its model.onnx in onnxruntime-node: results must equal createNodeSegmenter's on the same clouds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildOnnxModel } from '../../../exporters/onnx/index.ts';
import { writeTritonRepository } from '../../../exporters/triton/index.ts';
import { createNodeSegmenter } from '../../../runtime/node/index.ts';
import { createTritonSegmenter, resampleCloud, fixedCountPointIndices } from '../../../runtime/triton/index.ts';
import type { SegmentResult, Segmenter } from '../../../runtime/segmenter.ts';
import { synthAirplane } from '../../../src/data/synth.ts';
import { isPnetError } from '../../../src/core/errors.ts';
import { Rng } from '../../../src/core/rng.ts';
import { withVariedLabels } from '../../exporters/onnx/fixtures.ts';
import { SYNTH_CLASSES, tinyModel } from '../../helpers/tiny-model.ts';
import { startKserveTestServer, type KserveTestServer } from './kserve-test-server.ts';

const PROB_TOLERANCE = 1e-6;
const FIXED_POINTS = 512;

let dir: string;
let server: KserveTestServer;
let node: Segmenter;
let clouds: Float32Array[];

function expectSame(a: SegmentResult, b: SegmentResult, label: string): void {
  expect(a.numPoints, label).toBe(b.numPoints);
  expect(Array.from(a.labels), label).toEqual(Array.from(b.labels));
  expect(a.probabilities.length, label).toBe(b.probabilities.length);
  let max = 0;
  for (let i = 0; i < a.probabilities.length; i++)
    max = Math.max(max, Math.abs(a.probabilities[i]! - b.probabilities[i]!));
  expect(max, label).toBeLessThanOrEqual(PROB_TOLERANCE);
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isPnetError(e)) throw new Error(`expected a PnetError, got ${String(e)}`);
  return { code: e.code, message: e.message };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pnet-triton-rt-'));
  const rng = new Rng(77);
  clouds = [0, 1, 2].map((i) => synthAirplane(rng.fork(i + 1), `c${i}`).points);
  clouds.push(clouds[0]!.map((v) => v * 1.5 + 0.25)); // same size as cloud 0, so the two can share a request
  clouds.push(clouds[1]!.slice(0, 300 * 3)); // smaller than the fixed point count
  const model = tinyModel({ seed: 31, classes: SYNTH_CLASSES, weights: 'perturbed' });
  const weights = await withVariedLabels(model, clouds[0]!);
  const bytes = buildOnnxModel({ ...model, weights, checkpointSha256: 'e'.repeat(64) });
  const repo = path.join(dir, 'repo');
  await writeTritonRepository(bytes, repo, { name: 'pnet_airplane' });
  await writeTritonRepository(bytes, repo, { name: 'fixed', points: FIXED_POINTS, instanceKind: 'cpu' });
  await writeTritonRepository(bytes, repo, { name: 'unbatched', maxBatch: 0 });
  // A config without pnet metadata, as a model exported by some other tool would have.
  await writeTritonRepository(bytes, repo, { name: 'foreign' });
  const foreign = path.join(repo, 'foreign', 'config.pbtxt');
  await writeFile(foreign, (await readFile(foreign, 'utf8')).replace(/\nparameters \[[\s\S]*\]\n$/, '\n'));
  server = await startKserveTestServer(repo, ['pnet_airplane', 'fixed', 'unbatched', 'foreign']);
  node = await createNodeSegmenter(path.join(repo, 'pnet_airplane', '1', 'model.onnx'), { threads: 1 });
});

afterAll(async () => {
  await node?.dispose();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('createTritonSegmenter', () => {
  it('reads the model description from the config endpoint', async () => {
    const triton = await createTritonSegmenter(server.url, 'pnet_airplane');
    expect(triton.info).toEqual(node.info);
    expect(triton.executionProvider).toBe('triton-gpu');
    expect(triton.fallbackReason).toBeUndefined();
    expect((await createTritonSegmenter(`${server.url}/`, 'fixed')).executionProvider).toBe('triton-cpu');
  });

  it('segment() equals onnxruntime-node on every cloud (labels equal, probabilities within 1e-6)', async () => {
    const triton = await createTritonSegmenter(server.url, 'pnet_airplane');
    server.requests.length = 0;
    for (const [i, cloud] of clouds.entries()) {
      const [a, b] = [await triton.segment(cloud), await node.segment(cloud)];
      expectSame(a, b, `cloud ${i}`);
      expect(a.executionProvider).toBe('triton-gpu');
    }
    // The comparison means something only if the model predicts several parts.
    expect(new Set((await node.segment(clouds[0]!)).labels).size).toBeGreaterThan(2);
    const first = server.requests[0] as {
      inputs: Array<{ name: string; shape: number[]; datatype: string; data: number[] }>;
      outputs: unknown;
    };
    expect(first.inputs.map((i) => [i.name, i.datatype, i.shape])).toEqual([
      ['points', 'FP32', [1, clouds[0]!.length / 3, 3]],
    ]);
    expect(first.inputs[0]!.data).toEqual(Array.from(clouds[0]!));
    expect(first.outputs).toEqual([{ name: 'probabilities' }, { name: 'labels' }]);
  });

  it('refuses calls after dispose (or `await using`) with a PnetError, as every runtime does', async () => {
    let kept: Awaited<ReturnType<typeof createTritonSegmenter>> | undefined;
    {
      await using triton = await createTritonSegmenter(server.url, 'pnet_airplane');
      kept = triton;
    }
    const refused = await kept.segment(clouds[0]!).catch((e: unknown) => e);
    expect(isPnetError(refused) && refused.code).toBe('RUN_FAILED');
  });

  it('segmentMany() batches equal-size clouds into one request, in input order', async () => {
    const triton = await createTritonSegmenter(server.url, 'pnet_airplane');
    server.requests.length = 0;
    const results = await triton.segmentMany(clouds);
    const shapes = server.requests.map((r) => (r as { inputs: Array<{ shape: number[] }> }).inputs[0]!.shape);
    expect(shapes.map((s) => s[0]).sort()).toEqual([1, 1, 1, 2]);
    expect(shapes).toContainEqual([2, clouds[0]!.length / 3, 3]);
    for (const [i, cloud] of clouds.entries()) expectSame(results[i]!, await node.segment(cloud), `cloud ${i}`);
    server.requests.length = 0;
    await triton.segmentMany([clouds[0]!, clouds[3]!], { maxBatch: 1 });
    expect(server.requests).toHaveLength(2);
  });

  it('works with batching off (the batch axis is part of the dims)', async () => {
    const triton = await createTritonSegmenter(server.url, 'unbatched');
    const results = await triton.segmentMany([clouds[0]!, clouds[3]!, clouds[2]!]);
    expectSame(results[0]!, await node.segment(clouds[0]!), 'cloud 0');
    expectSame(results[1]!, await node.segment(clouds[3]!), 'cloud 3');
    expectSame(results[2]!, await node.segment(clouds[2]!), 'cloud 2');
  });

  it('fixed point count: resamples each cloud, and every point gets the result of its sample', async () => {
    const triton = await createTritonSegmenter(server.url, 'fixed');
    server.requests.length = 0;
    const exact = resampleCloud(clouds[1]!, FIXED_POINTS).xyz; // already FIXED_POINTS points: sent as is
    const inputs = [clouds[0]!, exact, clouds[4]!];
    const results = await triton.segmentMany(inputs);
    const shapes = server.requests.map((r) => (r as { inputs: Array<{ shape: number[] }> }).inputs[0]!.shape);
    expect(shapes).toEqual([[3, FIXED_POINTS, 3]]);
    expectSame(results[1]!, await node.segment(exact), 'exact size');
    for (const i of [0, 2]) {
      const cloud = inputs[i]!;
      const { xyz, slotOf } = resampleCloud(cloud, FIXED_POINTS);
      const sampled = await node.segment(xyz);
      const classes = node.info.classes.length;
      expect(results[i]!.numPoints).toBe(cloud.length / 3);
      expect(Array.from(results[i]!.labels)).toEqual(Array.from(slotOf, (s) => sampled.labels[s]!));
      for (let p = 0; p < slotOf.length; p++) {
        const want = sampled.probabilities.subarray(slotOf[p]! * classes, (slotOf[p]! + 1) * classes);
        const got = results[i]!.probabilities.subarray(p * classes, (p + 1) * classes);
        for (let c = 0; c < classes; c++) expect(Math.abs(got[c]! - want[c]!)).toBeLessThanOrEqual(PROB_TOLERANCE);
      }
    }
  });

  it('fails with NOT_FOUND for an unknown model, carrying the HTTP status and Triton’s message', async () => {
    const e = await failure(createTritonSegmenter(server.url, 'nope'));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toBe(
      `reading the configuration of model "nope" failed: HTTP 400 Bad Request: Request for unknown model: 'nope' is not found`,
    );
  });

  it('fails with BAD_MODEL for a served model without pnet metadata', async () => {
    const e = await failure(createTritonSegmenter(server.url, 'foreign'));
    expect(e.code).toBe('BAD_MODEL');
    expect(e.message).toMatch(/not a pnet model/);
  });

  it('fails with REMOTE_ERROR when nothing listens, and BAD_ARGUMENT for a URL without scheme', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    const e = await failure(createTritonSegmenter(`http://127.0.0.1:${port}`, 'pnet_airplane'));
    expect(e.code).toBe('REMOTE_ERROR');
    expect(e.message).toMatch(new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}/v2/models/pnet_airplane/config`));
    expect((await failure(createTritonSegmenter('localhost:8000', 'm'))).code).toBe('BAD_ARGUMENT');
  });

  it('turns an inference error into BAD_INPUT with Triton’s message; bad clouds fail before any request', async () => {
    const config = await (await fetch(`${server.url}/v2/models/pnet_airplane/config`)).json();
    const refusing = createServer((req, res) => {
      const body =
        req.method === 'GET' ? config : { error: "inference request batch-size must be <= 8 for 'pnet_airplane'" };
      res.writeHead(req.method === 'GET' ? 200 : 400, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    try {
      const triton = await createTritonSegmenter(
        `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`,
        'pnet_airplane',
      );
      const e = await failure(triton.segment(clouds[0]!));
      expect(e.code).toBe('BAD_INPUT');
      expect(e.message).toBe(
        "Triton inference failed: HTTP 400 Bad Request: inference request batch-size must be <= 8 for 'pnet_airplane'",
      );
      expect((await failure(triton.segment(new Float32Array(4)))).code).toBe('BAD_INPUT');
      expect((await failure(triton.segmentMany([clouds[0]!, new Float32Array([0, 0, NaN])]))).message).toMatch(
        /^cloud 2 of 2: /,
      );
    } finally {
      await new Promise<void>((r) => refusing.close(() => r()));
    }
  });
});

describe('fixedCountPointIndices', () => {
  it('draws distinct points in original order from larger clouds, every point then repeats for smaller ones', () => {
    const large = fixedCountPointIndices(5000, 512);
    expect(new Set(large).size).toBe(512);
    expect(Array.from(large)).toEqual(Array.from(large).sort((a, b) => a - b));
    expect(Math.max(...large)).toBeLessThan(5000);
    expect(large[511]).toBeGreaterThan(4000); // spread over the cloud, not its first points
    const small = fixedCountPointIndices(300, 512);
    expect(Array.from(small.subarray(0, 300))).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(Math.max(...small)).toBeLessThan(300);
    expect(Array.from(fixedCountPointIndices(5000, 512))).toEqual(Array.from(large));
  });
});
