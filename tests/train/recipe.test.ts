import { describe, expect, it } from 'vitest';
import { PRESET_TRAIN_DEFAULTS, TRAIN_DEFAULTS, validateConfig, withDefaults } from '../../src/train/options.ts';
import { cosineRateAt, learningRateAt } from '../../src/train/schedule.ts';
import { PnetError } from '../../src/core/errors.ts';

describe('training recipe defaults', () => {
  it('lite takes its own recipe unless the user says otherwise; keras keeps the reference one', () => {
    const lite = withDefaults({ preset: 'lite', data: 'd', categories: ['Airplane'] });
    expect(lite.epochs).toBe(PRESET_TRAIN_DEFAULTS.lite.epochs);
    expect(lite.lrSchedule).toBe('cosine');
    expect(withDefaults({ preset: 'lite', epochs: 3, lrSchedule: 'step', data: 'd', categories: ['A'] })).toMatchObject(
      { epochs: 3, lrSchedule: 'step' },
    );
    const keras = withDefaults({ data: 'd', categories: ['Airplane'] });
    expect(keras).toMatchObject({ preset: 'keras', epochs: TRAIN_DEFAULTS.epochs, lrSchedule: 'step' });
    expect(withDefaults({ preset: 'lite', epochs: undefined, data: 'd', categories: ['A'] }).epochs).toBe(
      PRESET_TRAIN_DEFAULTS.lite.epochs,
    );
  });

  it('refuses recipe values that make no sense', () => {
    const base = withDefaults({ preset: 'lite', data: 'd', categories: ['A'] });
    expect(() => validateConfig({ ...base, scaleRange: [1.2, 0.9] })).toThrow(PnetError);
    expect(() => validateConfig({ ...base, scaleRange: [0, 1] })).toThrow(/--scale/);
    expect(() => validateConfig({ ...base, shift: -1 })).toThrow(/--shift/);
    expect(() => validateConfig({ ...base, jitter: Number.NaN })).toThrow(/--jitter/);
    expect(() => validateConfig({ ...base, resample: 'never' as 'once' })).toThrow(/--resample/);
    expect(() => validateConfig({ ...base, labelSmoothing: 1 })).toThrow(/--label-smoothing/);
    expect(() => validateConfig({ ...base, labelSmoothing: -0.1 })).toThrow(/--label-smoothing/);
    expect(validateConfig({ ...base, labelSmoothing: 0.1 }).labelSmoothing).toBe(0.1);
    expect(() => validateConfig({ ...base, balanceParts: 1.5 })).toThrow(/--balance-parts/);
    expect(() => validateConfig({ ...base, balanceParts: Number.NaN })).toThrow(/--balance-parts/);
  });
});

describe('learning-rate schedules', () => {
  it('cosine starts at the base rate and ends at 1% of it, decreasing', () => {
    const rates = Array.from({ length: 11 }, (_, e) => cosineRateAt(e, 0.003, 11));
    expect(rates[0]).toBeCloseTo(0.003, 12);
    expect(rates[10]).toBeCloseTo(0.00003, 12);
    for (let e = 1; e < rates.length; e++) expect(rates[e]!).toBeLessThan(rates[e - 1]!);
  });

  it('staircase halves every 5 epochs', () => {
    expect([0, 4, 5, 10].map((e) => learningRateAt(e, 0.004, 5, 0.5))).toEqual([0.004, 0.004, 0.002, 0.001]);
  });
});
