/** infer's progress bar (src/core/node/progress.ts), with messages printed above it. */
import { createProgress, progressEnabled } from '../core/node/progress.ts';

export interface InferProgress {
  tick(): void;
  /** Prints a line on stderr, above the bar when one is drawn. */
  log(line: string): void;
  stop(): void;
}

export function inferProgress(total: number): InferProgress {
  // One cloud needs no bar; without a terminal, messages are plain lines.
  if (total <= 1 || !progressEnabled()) return { tick() {}, log: (line) => void process.stderr.write(`${line}\n`), stop() {} };
  const bar = createProgress('infer', total, '|{bar}| {value}/{total} clouds | {eta_formatted} left');
  return {
    tick: () => bar.increment(),
    // The bar owns the cursor's line: clear it, print the message, and the bar redraws below on its next tick.
    log: (line) => void process.stderr.write(`\r\x1b[K${line}\n`),
    stop: () => bar.stop(),
  };
}
