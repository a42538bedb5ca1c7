import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTruthLabels } from '../../src/eval/truth-labels.ts';

/** A model trained on the Keras example's PartAnnotation: its parts in another order than the benchmark's, then none. */
const KERAS_ORDER = { category: ['Airplane'], classes: ['wing', 'body', 'tail', 'engine', 'none'] };

function synsetDir(files: Record<string, string>, beside?: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'pnet-truth-'));
  for (const [name, text] of Object.entries({ ...beside })) writeFileSync(join(root, name), text);
  for (const [rel, text] of Object.entries(files)) {
    const file = join(root, '02691156', rel);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
  }
  return join(root, '02691156');
}

describe("labels found from a cloud's path", () => {
  it("benchmark ids are mapped to the model's classes by part name, whatever their order", () => {
    const dir = synsetDir(
      { 'points/a.pts': '0 0 0\n1 0 0\n0 1 0\n0 0 1\n', 'points_label/a.seg': '1\n2\n3\n4\n' },
      { 'synsetoffset2category.txt': 'Airplane\t02691156\n' },
    );
    const t = readTruthLabels(join(dir, 'points', 'a.pts'), 4, KERAS_ORDER)!;
    expect(t.format).toBe('benchmark');
    expect(t.category).toBe('Airplane');
    // Benchmark 1 body, 2 wing, 3 tail, 4 engine → this model's body 1, wing 0, tail 2, engine 3.
    expect(Array.from(t.labels)).toEqual([1, 0, 2, 3]);
  });

  it('PartAnnotation 0/1 files: each part by name, a point in no part is `none`', () => {
    const dir = synsetDir(
      {
        'points/a.pts': '0 0 0\n1 0 0\n0 1 0\n',
        'points_label/body/a.seg': '1\n0\n0\n',
        'points_label/engine/a.seg': '0\n1\n0\n',
      },
      {
        'metadata.json': JSON.stringify({
          Airplane: { directory: '02691156', lables: ['wing', 'body', 'tail', 'engine'] },
        }),
      },
    );
    const t = readTruthLabels(join(dir, 'points', 'a.pts'), 3, KERAS_ORDER)!;
    expect(t.format).toBe('part-files');
    expect(Array.from(t.labels)).toEqual([1, 3, 4]);
    expect(() =>
      readTruthLabels(join(dir, 'points', 'a.pts'), 3, {
        category: ['Airplane'],
        classes: ['body', 'wing', 'tail', 'engine'],
      }),
    ).toThrow(/point 3 is in no part's file and the model has no `none` class/);
  });

  it('elsewhere: <stem>.seg beside the cloud holds class indices; no file means no labels', () => {
    const root = mkdtempSync(join(tmpdir(), 'pnet-truth-'));
    writeFileSync(join(root, 'c.pts'), '0 0 0\n1 1 1\n');
    expect(readTruthLabels(join(root, 'c.pts'), 2, KERAS_ORDER)).toBeNull();
    writeFileSync(join(root, 'c.seg'), '4\n0\n');
    const t = readTruthLabels(join(root, 'c.pts'), 2, KERAS_ORDER)!;
    expect(t.format).toBe('class-index');
    expect(Array.from(t.labels)).toEqual([4, 0]);
    writeFileSync(join(root, 'c.seg'), '4\n5\n');
    expect(() => readTruthLabels(join(root, 'c.pts'), 2, KERAS_ORDER)).toThrow(
      /label 5 is not a class of the model \(0–4\)/,
    );
  });

  it('a label file of the wrong length names itself and the cloud', () => {
    const dir = synsetDir(
      { 'points/a.pts': '0 0 0\n1 0 0\n', 'points_label/a.seg': '1\n' },
      { 'synsetoffset2category.txt': 'Airplane 02691156\n' },
    );
    expect(() => readTruthLabels(join(dir, 'points', 'a.pts'), 2, KERAS_ORDER)).toThrow(
      /has 1 labels but .*a\.pts has 2 points/,
    );
  });
});
