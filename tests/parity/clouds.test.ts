import { describe, expect, it } from 'vitest';
import { parityClouds } from '../../src/parity/index.ts';
import { REAL_NORMAL } from '../paths.ts';

describe('parity clouds', () => {
  it('default to the real samples the package ships, one category after another, never the synthetic ones', () => {
    const { clouds, source } = parityClouds({ count: 4 });
    expect(source).toMatch(/real ShapeNet clouds shipped with pnet/);
    expect(clouds.map((c) => c.name.split('/')[0])).toEqual(['Airplane', 'Skateboard', 'Table', 'Airplane']);
    expect(clouds.some((c) => /synthetic/.test(c.name))).toBe(false);
    for (const c of clouds) expect(c.xyz.length / 3).toBeGreaterThan(2000);
  });

  it('take a dataset the user names instead', () => {
    const { clouds, source } = parityClouds({ dataDir: REAL_NORMAL, count: 2 });
    expect(source).toBe(REAL_NORMAL);
    expect(clouds.map((c) => c.name.split('/')[0]).sort()).toEqual(['Skateboard', 'Table']);
  });

  it("keep to a trained model's categories where the clouds hold them, else take every category", () => {
    const shipped = parityClouds({ count: 4, categories: ['Airplane'] });
    expect(shipped.clouds.map((c) => c.name.split('/')[0])).toEqual(['Airplane', 'Airplane', 'Airplane']);
    const dataset = parityClouds({ dataDir: REAL_NORMAL, count: 2, categories: ['table'] });
    expect(dataset.clouds.map((c) => c.name.split('/')[0])).toEqual(['Table', 'Table']);
    const none = parityClouds({ count: 3, categories: ['Chair'] });
    expect(none.clouds.map((c) => c.name.split('/')[0])).toEqual(['Airplane', 'Skateboard', 'Table']);
  });
});
