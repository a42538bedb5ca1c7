import cliProgress from 'cli-progress';

/** A progress bar on stderr that turns itself off where nobody watches (not a TTY, or CI). */
export interface Progress {
  update(done: number, payload?: Record<string, string | number>): void;
  increment(by?: number, payload?: Record<string, string | number>): void;
  setTotal(total: number): void;
  stop(): void;
}

export function progressEnabled(): boolean {
  return Boolean(process.stderr.isTTY) && !process.env.CI;
}

/**
 * `format` uses cli-progress tokens ({bar} {value} {total} {percentage} {eta_formatted}) plus any payload keys.
 */
export function createProgress(label: string, total: number, format = '{bar} {value}/{total} {percentage}% ETA {eta_formatted}'): Progress {
  if (!progressEnabled()) {
    return { update() {}, increment() {}, setTotal() {}, stop() {} };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${label} ${format}`, stream: process.stderr, hideCursor: true, clearOnComplete: false, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (done, payload) => bar.update(done, payload),
    increment: (by = 1, payload) => bar.increment(by, payload),
    setTotal: (t) => bar.setTotal(t),
    stop: () => bar.stop(),
  };
}
