import { describe, expect, it } from 'vitest';
import { benchNodeInference } from '../../../bench/infer-node.ts';

describe('bench/infer-node', () => {
  it('reports both graphs and the MatMul ceiling, and the naive graph computes the same network', async () => {
    const md = await benchNodeInference({ preset: 'lite', points: 96, batch: 2, seconds: 0.02 });
    expect(md).toMatch(/^## onnxruntime-node .* CPU inference/);
    const rows = md.split('\n').filter((l) => l.startsWith('| '));
    expect(rows).toHaveLength(4);
    for (const r of rows.slice(1, 3)) {
      const cells = r
        .split('|')
        .slice(2, 8)
        .map((c) => parseFloat(c));
      expect(cells.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    }
    expect(rows[3]).toMatch(/MatMul 2048³.*\| [\d.]+ \| [\d.]+ \| \| \| \| 100% \|$/);
    // Same weights, folded vs unfolded batch norm and split vs tiled global term: same probabilities.
    const diff = Number(/max \|Δ probability\| = ([\d.e+-]+)/.exec(md)![1]);
    expect(diff).toBeLessThan(1e-4);
    expect(md).toMatch(/labels equal on (99\.\d\d|100\.00)% of 192 points/);
  });
});
