import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { listBackends, selectBackend, BACKEND_NAMES } from '../../src/backend/index.ts';

const installed = (name: string) => {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
};

describe('backends', () => {
  it('lists every backend with availability and a detail line', async () => {
    const list = await listBackends();
    expect(list.map((b) => b.name)).toEqual([...BACKEND_NAMES]);
    for (const b of list) expect(b.detail.length).toBeGreaterThan(0);
    expect(list.find((b) => b.name === 'cpu')!.available).toBe(true);
    expect(list.find((b) => b.name === 'tensorflow')!.available).toBe(
      installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu'),
    );
  });

  it('activates a requested backend and says why', async () => {
    const chosen = await selectBackend('cpu');
    expect(chosen).toMatchObject({ name: 'cpu' });
    expect(tf.getBackend()).toBe('cpu');
  });

  it.skipIf(installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu'))(
    'names the package to install when tensorflow is requested but missing',
    async () => {
      await expect(selectBackend('tensorflow')).rejects.toMatchObject({
        code: 'BACKEND_UNAVAILABLE',
        remedy: expect.stringContaining('npm install @tensorflow/tfjs-node'),
      });
    },
  );

  it('auto picks the fastest backend present and explains the choice', async () => {
    const chosen = await selectBackend('auto');
    expect(['tensorflow', 'webgpu', 'wasm', 'cpu']).toContain(chosen.name);
    expect(chosen.reason).toMatch(/^auto: /);
    expect(tf.getBackend()).toBe(chosen.name);
  });

  it('rejects an unknown backend name', async () => {
    await expect(selectBackend('tpu' as never)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});
