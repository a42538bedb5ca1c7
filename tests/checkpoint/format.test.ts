import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PnetError } from '../../src/core/errors.ts';
import type { Checkpoint } from '../../src/checkpoint/format.ts';
import { readCheckpoint, writeCheckpoint } from '../../src/checkpoint/files.ts';
import { loadPreset } from '../../src/model/preset-files.ts';

function sample(): Checkpoint {
  return {
    meta: {
      pnetVersion: '0.0.0',
      preset: loadPreset('lite'),
      classes: { names: ['a', 'none'], colors: ['#ff0000', '#888888'] },
      category: ['Airplane'],
      numPoints: 64,
      normalization: 'unit-sphere',
      epoch: 3,
      step: 30,
      config: { lr: 0.003 },
      metrics: { val_miou: 0.5 },
      state: { rng: 7 },
    },
    tensors: [
      { name: 'w', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 4, 5, 6]) },
      { name: 'optimizer/m/w', shape: [3], data: Float32Array.from([0.25, 0, -1e-7]) },
    ],
  };
}

describe('checkpoint file', () => {
  it('round-trips metadata and tensors through a file on disk', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pnet-ckpt-')), 'a.ckpt');
    await writeCheckpoint(file, sample());
    const back = await readCheckpoint(file);
    expect(back.meta).toEqual(sample().meta);
    expect(back.tensors.map((t) => [t.name, t.shape, Array.from(t.data)])).toEqual(
      sample().tensors.map((t) => [t.name, t.shape, Array.from(t.data)]),
    );
  });

  it('refuses a checkpoint whose weights hold NaN or Infinity (a diverged run), naming the tensor', async () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const file = join(mkdtempSync(join(tmpdir(), 'pnet-ckpt-')), 'nan.ckpt');
      const ckpt = sample();
      ckpt.tensors[0]!.data[4] = bad;
      await writeCheckpoint(file, ckpt);
      await expect(readCheckpoint(file)).rejects.toMatchObject({
        code: 'BAD_CHECKPOINT',
        file,
        message: /tensor w holds NaN or infinite values/,
      });
    }
  });

  it('rejects a truncated or damaged file with one clear error naming it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pnet-ckpt-')), 'a.ckpt');
    await writeCheckpoint(file, sample());
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 9));
    const err = (await readCheckpoint(file).catch((e: unknown) => e)) as PnetError;
    expect(err).toBeInstanceOf(PnetError);
    expect(err.code).toBe('BAD_CHECKPOINT');
    expect(err.describe()).toMatch(/a\.ckpt: not a loadable pnet checkpoint: checksum mismatch/);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 40]! ^= 0xff;
    writeFileSync(file, flipped);
    await expect(readCheckpoint(file)).rejects.toThrow(/checksum mismatch/);
    writeFileSync(file, 'hello');
    await expect(readCheckpoint(file)).rejects.toThrow(/missing PNETCKPT header/);
  });
});
