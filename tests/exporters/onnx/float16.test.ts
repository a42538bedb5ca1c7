import { describe, expect, it } from 'vitest';
import { fromFloat16Bits, toFloat16Array, toFloat16Bits } from '../../../exporters/onnx/float16.ts';

describe('float32 → float16 conversion', () => {
  it('round-trips every finite half value exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      const exponent = (h >>> 10) & 0x1f;
      if (exponent === 0x1f && (h & 0x3ff) !== 0) continue; // NaN payloads
      expect(toFloat16Bits(fromFloat16Bits(h))).toBe(h);
    }
  });

  it('rounds to nearest, ties to even, and saturates to infinity', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(0.1)).toBe(0x2e66);
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even mantissa
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even mantissa (up)
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(65520)).toBe(0x7c00); // halfway to the next power: rounds to Inf
    expect(toFloat16Bits(-1e6)).toBe(0xfc00);
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toFloat16Bits(2 ** -25)).toBe(0x0000); // tie between 0 and 2^-24 → even (0)
    expect(toFloat16Bits(1.5 * 2 ** -25)).toBe(0x0001);
    expect(toFloat16Bits(-0)).toBe(0x8000);
    expect(toFloat16Bits(NaN) & 0x7c00).toBe(0x7c00);
    expect(toFloat16Bits(NaN) & 0x3ff).not.toBe(0);
  });

  it('converts arrays element by element', () => {
    expect(Array.from(toFloat16Array(new Float32Array([1, -2, 0.5])))).toEqual([0x3c00, 0xc000, 0x3800]);
  });
});
