/** The int8 arithmetic of the exporter (quantize-graph.ts, calibrate.ts, calibration-data.ts), on small hand-made values. */
import { describe, expect, it } from 'vitest';
import {
  activationParams,
  quantizeBias,
  quantizeWeight,
  roundHalfEven,
} from '../../../exporters/onnx/quantize-graph.ts';
import { evenlySpread } from '../../../src/quantize/calibration-data.ts';

describe('int8 quantization arithmetic', () => {
  it('rounds half to even, as QuantizeLinear does', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, 3]);
  });

  it('quantizes a Conv weight [O, I, 1] per output channel (axis 0), symmetric, within half a step', () => {
    const w = new Float32Array([1, -0.5, 0.25, /* channel 1 */ -0.02, 0.01, 0.004, /* channel 2 */ 0, 0, 0]);
    const q = quantizeWeight(w, [3, 3, 1], 0);
    expect(Array.from(q.scales)).toEqual([Math.fround(1 / 127), Math.fround(0.02 / 127), 1]);
    expect(q.values[0]).toBe(127);
    expect(q.values[3]).toBe(-127);
    expect(Array.from(q.values.subarray(6))).toEqual([0, 0, 0]);
    for (let e = 0; e < w.length; e++) {
      const s = q.scales[Math.floor(e / 3)]!;
      expect(Math.abs(q.values[e]! * s - w[e]!)).toBeLessThanOrEqual(s / 2 + 1e-9);
    }
  });

  it('quantizes a Gemm weight [I, O] per output column (axis 1)', () => {
    // Two inputs, three outputs: column c holds rows 0 and 1 of it.
    const w = new Float32Array([2, 0.1, -3, -1, 0.2, 1.5]);
    const q = quantizeWeight(w, [2, 3], 1);
    expect(Array.from(q.scales)).toEqual([2 / 127, 0.2 / 127, 3 / 127].map(Math.fround));
    expect(Array.from(q.values)).toEqual([127, 64, -127, -64, 127, 64]);
  });

  it('puts the bias at the accumulator scale (activation × weight) in int32', () => {
    const weightScales = new Float32Array([0.5, 0.002]);
    const b = quantizeBias(new Float32Array([0.3, -1]), Math.fround(0.01), weightScales);
    // The scale is the float32 product QLinearConv uses, and the bias is divided by exactly that.
    expect(Array.from(b.scales)).toEqual([0, 1].map((c) => Math.fround(Math.fround(0.01) * weightScales[c]!)));
    expect(Array.from(b.values)).toEqual([60, -50000]);
  });

  it('makes uint8 activation parameters that hold 0 exactly', () => {
    expect(activationParams({ min: 0, max: 2.55 })).toEqual({ scale: Math.fround(0.01), zeroPoint: 0 });
    expect(activationParams({ min: 0.5, max: 2.55 })).toEqual({ scale: Math.fround(0.01), zeroPoint: 0 });
    expect(activationParams({ min: -1, max: 1.55 })).toEqual({ scale: Math.fround(0.01), zeroPoint: 100 });
    expect(activationParams({ min: 0, max: 0 })).toEqual({ scale: 1, zeroPoint: 0 });
  });

  it('spreads the calibration picks evenly and takes everything when asked for more', () => {
    expect(evenlySpread(10, 4)).toEqual([0, 2, 5, 7]);
    expect(evenlySpread(3, 8)).toEqual([0, 1, 2]);
  });
});
