/**
 * The pool posts each cloud's own bytes to its workers: a subarray of a large buffer (clouds cut from one file
 * buffer) would otherwise be structured-cloned with the whole buffer under it, once per cloud.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Rng } from '../../../src/core/rng.ts';
import { createSegmenterPool, type SegmenterPool } from '../../../runtime/node/worker-pool.ts';
import { tinyOnnx } from '../../helpers/tiny-model.ts';

let dir: string;
let pool: SegmenterPool;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-pool-posting-'));
  pool = await createSegmenterPool(await tinyOnnx(dir), { workers: 1 });
});
afterAll(async () => {
  await pool?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('SegmenterPool posting', () => {
  it("posts a subarray cloud as its own bytes, not its buffer's, and labels it as the cloud alone", async () => {
    const rng = new Rng(9);
    const N = 200;
    const shared = Float32Array.from({ length: 40 * N * 3 }, () => rng.uniform(-1, 1));
    const clouds = [3, 17].map((k) => shared.subarray(k * N * 3, (k + 1) * N * 3));
    const posted: number[] = [];
    const post = Worker.prototype.postMessage;
    const spy = vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (
      this: Worker,
      message: unknown,
      transfer?: readonly unknown[],
    ) {
      const m = message as { type?: string; clouds?: Float32Array[] };
      // Read before posting: a buffer that moves is detached afterwards.
      if (m.type === 'segment') posted.push(...m.clouds!.map((c) => c.buffer.byteLength));
      return post.call(this, message, transfer as never);
    });
    let got: Awaited<ReturnType<SegmenterPool['segmentGroup']>>;
    try {
      got = await pool.segmentGroup(clouds);
    } finally {
      spy.mockRestore();
    }
    expect(posted).toEqual(clouds.map((c) => c.byteLength));
    // The caller's clouds are untouched and still usable; the labels are those of each cloud on its own.
    expect(shared.buffer.byteLength).toBe(40 * N * 3 * 4);
    const alone = await pool.segmentGroup(clouds.map((c) => c.slice()));
    expect(got.map((r) => Array.from((r as { labels: Int32Array }).labels))).toEqual(
      alone.map((r) => Array.from((r as { labels: Int32Array }).labels)),
    );
  });
});
