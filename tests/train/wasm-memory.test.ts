import { describe, expect, it } from 'vitest';
import { loadPreset } from '../../src/model/preset-files.ts';
import { checkWasmMemory, largestWasmBatch, perPointWidth, WASM_BUDGET } from '../../src/train/wasm-memory.ts';

describe('wasm heap guard', () => {
  it('budgets what keras at 32 × 1024 needs, by the shipped keras preset', () => {
    expect(WASM_BUDGET).toBe(32 * 1024 * perPointWidth(loadPreset('keras')));
    expect(largestWasmBatch(loadPreset('keras'), 1024)).toBe(32);
  });

  it('lets the step sizes that train on wasm through and refuses the one that crashes, with a batch that fits', () => {
    const keras = loadPreset('keras');
    expect(() => checkWasmMemory(keras, 32, 1024)).not.toThrow();
    expect(() => checkWasmMemory(loadPreset('lite'), 64, 1024)).not.toThrow();
    expect(() => checkWasmMemory(keras, 48, 1024)).toThrow(/keras step of 48 × 1024 points needs more memory/);
    try {
      checkWasmMemory(keras, 48, 1024);
    } catch (e) {
      const fits = Number(/--batch-size (\d+)/.exec((e as { remedy: string }).remedy)![1]);
      expect(fits).toBeGreaterThanOrEqual(32);
      expect(fits).toBeLessThan(48);
      expect(() => checkWasmMemory(keras, fits, 1024)).not.toThrow();
    }
  });

  it('counts the share of each worker: keras 64 × 1024 fits on two workers, not on one', () => {
    const keras = loadPreset('keras');
    expect(() => checkWasmMemory(keras, 64, 1024, 2)).not.toThrow();
    expect(() => checkWasmMemory(keras, 64, 1024)).toThrow(/needs more memory/);
    expect(() => checkWasmMemory(keras, 65, 1024, 2)).toThrow(
      /keras step of 65 × 1024 points \(33 per worker on 2 workers\)/,
    );
    let remedy = '';
    try {
      checkWasmMemory(keras, 128, 1024, 2);
    } catch (e) {
      remedy = (e as { remedy: string }).remedy;
    }
    expect(remedy).toMatch(/--batch-size 64 /);
  });
});
