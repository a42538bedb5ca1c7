import { describe, expect, it } from 'vitest';
import { formatDuration, progressEnabled, progressLines } from '../src/core/node/progress.ts';

describe('progress without a terminal', () => {
  it('writes the bar as a line at most every interval, with an ETA from the rate so far', () => {
    let clock = 0;
    const lines: string[] = [];
    const bar = progressLines(
      'epoch 2/5',
      100,
      '{bar} {value}/{total} steps | loss {loss} | {rate} clouds/s | ETA {eta_formatted}',
      {
        write: (l) => lines.push(l),
        everyMs: 10_000,
        now: () => clock,
      },
    );
    bar.update(20, { loss: '-', rate: '-' }); // resumed at step 20: the rate counts from here
    for (let step = 21; step <= 40; step++) {
      clock += 2000; // 2 s per step
      bar.update(step, { loss: (1 / step).toFixed(3), rate: 16 });
    }
    // 40 s of steps, a line every 10 s.
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('epoch 2/5 25/100 steps | loss 0.040 | 16 clouds/s | ETA 2m30s');
    expect(lines[3]).toBe('epoch 2/5 40/100 steps | loss 0.025 | 16 clouds/s | ETA 2m00s');
  });

  it('formats what is left to the second, then to the minute', () => {
    expect(formatDuration(59.4)).toBe('59s');
    expect(formatDuration(75)).toBe('1m15s');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(Number.NaN)).toBe('?');
  });
});

describe('when bars are drawn', () => {
  it('on a terminal outside CI only; CI=false or CI=0 is not CI', () => {
    const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    const ci = process.env.CI;
    try {
      Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
      const enabledWith = (value: string | undefined) => {
        if (value === undefined) delete process.env.CI;
        else process.env.CI = value;
        return progressEnabled();
      };
      expect([undefined, '', 'false', '0'].map(enabledWith)).toEqual([true, true, true, true]);
      expect(['true', '1', 'woodpecker'].map(enabledWith)).toEqual([false, false, false]);
      Object.defineProperty(process.stderr, 'isTTY', { value: false, configurable: true });
      expect(enabledWith(undefined)).toBe(false);
    } finally {
      if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
      else delete (process.stderr as { isTTY?: boolean }).isTTY;
      if (ci === undefined) delete process.env.CI;
      else process.env.CI = ci;
    }
  });
});
