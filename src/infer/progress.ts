/** infer's progress bar (src/core/node/progress.ts): messages print above it, and it is cleared when done. */
import { createLoggingProgress, type LoggingProgress } from '../core/node/progress.ts';

export interface InferProgress {
  tick(): void;
  /** Prints a line on stderr, above the bar when one is drawn. */
  log(line: string): void;
  stop(): void;
}

export function inferProgress(total: number): InferProgress {
  // One cloud needs no bar; its messages are plain lines.
  if (total <= 1) return { tick() {}, log: (line) => void process.stderr.write(`${line}\n`), stop() {} };
  const bar: LoggingProgress = createLoggingProgress(
    'infer',
    total,
    '|{bar}| {value}/{total} clouds | {eta_formatted} left',
  );
  return { tick: () => bar.increment(), log: (line) => bar.log(line), stop: () => bar.stop() };
}
