import { describe, expect, it } from 'vitest';
import { formatDuration, progressLines } from '../src/core/node/progress.ts';

describe('progress without a terminal', () => {
  it('writes the bar as a line at most every interval, with an ETA from the rate so far', () => {
    let clock = 0;
    const lines: string[] = [];
    const bar = progressLines('epoch 2/5', 100, '{bar} {value}/{total} steps | loss {loss} | {rate} clouds/s | ETA {eta_formatted}', {
      write: (l) => lines.push(l),
      everyMs: 10_000,
      now: () => clock,
    });
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
