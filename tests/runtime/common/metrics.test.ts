import { describe, expect, it } from 'vitest';
import {
  argmaxOverParts,
  partIoUs,
  partsByCategory,
  scoredParts,
  SegmentationMetrics,
  shapeIoU,
} from '../../../src/core/metrics.ts';

describe('ShapeNet part IoU', () => {
  it('computes IoU per part by hand-checked example', () => {
    // part 0: pred {0,1}, truth {0,2} → I=1, U=3; part 1: pred {2,3}, truth {1,3} → I=1, U=3; part 2 absent → 1.
    const pred = [0, 0, 1, 1];
    const truth = [0, 1, 0, 1];
    expect(partIoUs(pred, truth, [0, 1, 2])).toEqual([1 / 3, 1 / 3, 1]);
    expect(shapeIoU(pred, truth, [0, 1, 2])).toBeCloseTo((1 / 3 + 1 / 3 + 1) / 3, 12);
  });

  it('gives 1 for a perfect prediction and 0 for a swapped one', () => {
    expect(shapeIoU([0, 1, 1], [0, 1, 1], [0, 1])).toBe(1);
    expect(shapeIoU([1, 0, 0], [0, 1, 1], [0, 1])).toBe(0);
  });

  it('counts predictions of an unscored class as misses for the true part', () => {
    // class 2 is `none`: not scored, but a part point predicted as none still enlarges that part's union.
    expect(partIoUs([2, 0], [0, 0], [0, 1])).toEqual([0.5, 1]);
  });

  it('averages over parts per shape, then over shapes; accuracy over all points', () => {
    const m = new SegmentationMetrics(2, { Airplane: [0, 1] });
    expect(m.addShape([0, 1], [0, 1], 'Airplane')).toBe(1);
    expect(m.addShape([0, 0, 0, 0], [1, 1, 1, 0], 'Airplane')).toBeCloseTo(0.125, 12); // part 0: 1/4, part 1: 0
    const s = m.summary();
    expect(s.shapes).toBe(2);
    expect(s.miou).toBeCloseTo((1 + 0.125) / 2, 12);
    expect(s.classMiou).toBeCloseTo(s.miou, 12);
    expect(s.accuracy).toBeCloseTo(3 / 6, 12);
    // Per-part IoU: the part's IoU per shape, averaged over the shapes; the instance mIoU is their mean.
    expect(s.partIou[0]).toBeCloseTo((1 + 0.25) / 2, 12);
    expect(s.partIou[1]).toBeCloseTo((1 + 0) / 2, 12);
    expect(s.confusion).toEqual([
      [2, 0],
      [3, 1],
    ]);
  });

  it('class mIoU is the mean over categories, instance mIoU the mean over shapes', () => {
    // Classes: A/x, A/y, B/x, B/y. Category A: two perfect shapes; B: one shape with IoU 0.
    const m = new SegmentationMetrics(4, { A: [0, 1], B: [2, 3] });
    m.addShape([0, 1], [0, 1], 'A');
    m.addShape([1, 0], [1, 0], 'A');
    m.addShape([3, 2], [2, 3], 'B');
    const s = m.summary();
    expect(s.miou).toBeCloseTo(2 / 3, 12);
    expect(s.classMiou).toBeCloseTo(0.5, 12);
    expect(s.categories).toEqual({ A: { shapes: 2, miou: 1 }, B: { shapes: 1, miou: 0 } });
  });

  it("takes the argmax over the category's parts only: `none` and other categories never win", () => {
    // Classes: A/x, A/y, B/x, none. The highest score of point 0 is `none`, of point 1 B/x.
    const scores = [0.1, 0.2, 0.0, 0.7, 0.3, 0.1, 0.6, 0.0];
    expect(Array.from(argmaxOverParts(scores, 4, [0, 1]))).toEqual([1, 0]);
    const m = new SegmentationMetrics(4, { A: [0, 1], B: [2] });
    expect(m.addShapeScores(scores, [1, 0], 'A')).toBe(1);
    expect(m.summary().accuracy).toBe(1);
    expect(() => argmaxOverParts([1, 2, 3], 2, [0])).toThrow(RangeError);
  });

  it("knows each category's parts from a model's class names", () => {
    expect(partsByCategory(['Airplane'], ['body', 'wing', 'none'])).toEqual({ Airplane: [0, 1] });
    expect(partsByCategory(['Mug', 'Table'], ['Mug/handle', 'Mug/cup', 'Table/top', 'Table/leg'])).toEqual({
      Mug: [0, 1],
      Table: [2, 3],
    });
  });

  it('scores every class except `none`', () => {
    expect(scoredParts(['body', 'wing', 'none'])).toEqual([0, 1]);
    expect(scoredParts(['a', 'b'])).toEqual([0, 1]);
  });
});
