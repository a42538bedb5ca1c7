import { describe, expect, it } from 'vitest';
import { partIoUs, scoredParts, SegmentationScore, shapeIoU } from '../../../runtime/common/metrics.ts';

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
    const score = new SegmentationScore([0, 1]);
    score.add([0, 1], [0, 1]); // mIoU 1
    score.add([0, 0, 0, 0], [1, 1, 1, 0]); // part 0: 1/4, part 1: 0 → 0.125
    expect(score.shapes).toBe(2);
    expect(score.miou).toBeCloseTo((1 + 0.125) / 2, 12);
    expect(score.accuracy).toBeCloseTo(3 / 6, 12);
  });

  it('scores every class except `none`', () => {
    expect(scoredParts(['body', 'wing', 'none'])).toEqual([0, 1]);
    expect(scoredParts(['a', 'b'])).toEqual([0, 1]);
  });
});
