import cliProgress from 'cli-progress';

/** A progress bar on stderr that turns itself off where nobody watches (not a TTY, or CI). */
export interface Progress {
  update(done: number, payload?: Record<string, string | number>): void;
  increment(by?: number, payload?: Record<string, string | number>): void;
  setTotal(total: number): void;
  stop(): void;
}

/** CI services set CI (true, 1, …); CI=false or CI=0 is someone turning that off by hand. */
function inCi(): boolean {
  const ci = process.env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/** The one rule for every bar in pnet: drawn on an interactive stderr, never in CI or into a file or pipe. */
export function progressEnabled(): boolean {
  return process.stderr.isTTY === true && !inCi();
}

/** Where nobody watches a bar (a log file, CI): the same information as a line every so often. */
export interface ProgressLines {
  write(line: string): void;
  /** Least time between two lines (default 30 s). */
  everyMs?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** 75 → "1m15s", 3725 → "1h02m"; what is left of a run, to the second or the minute. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The bar's format with its tokens filled in and the bar itself left out. */
function renderLine(
  label: string,
  format: string,
  done: number,
  total: number,
  payload: Record<string, string | number>,
  eta: number,
): string {
  const tokens: Record<string, string | number> = {
    ...payload,
    bar: '',
    value: done,
    total,
    percentage: total ? Math.floor((100 * done) / total) : 0,
    eta_formatted: formatDuration(eta),
  };
  const body = format.replace(/\{(\w+)\}/g, (whole, key: string) => (key in tokens ? String(tokens[key]) : whole));
  return `${label} ${body}`.replace(/\s+/g, ' ').trim();
}

/** Lines at most every `everyMs`; the ETA is the rate since the first update applied to what is left. */
export function progressLines(label: string, total: number, format: string, lines: ProgressLines): Progress {
  const now = lines.now ?? (() => performance.now());
  const everyMs = lines.everyMs ?? 30_000;
  let start: { at: number; done: number } | undefined;
  let lastLine = 0;
  let done = 0;
  let payload: Record<string, string | number> = {};
  const update = (value: number, more?: Record<string, string | number>) => {
    done = value;
    payload = { ...payload, ...more };
    const t = now();
    if (!start) {
      start = { at: t, done };
      lastLine = t;
      return;
    }
    if (t - lastLine < everyMs) return;
    lastLine = t;
    const rate = (done - start.done) / ((t - start.at) / 1000);
    lines.write(renderLine(label, format, done, total, payload, rate > 0 ? (total - done) / rate : Number.NaN));
  };
  return {
    update,
    increment: (by = 1, more) => update(done + by, more),
    setTotal: (t) => {
      total = t;
    },
    stop() {},
  };
}

/**
 * `format` uses cli-progress tokens ({bar} {value} {total} {percentage} {eta_formatted}) plus any payload keys.
 * Without a TTY nothing is drawn; with `lines`, the format (less the bar) is written as a line every so often.
 */
export function createProgress(
  label: string,
  total: number,
  format = '{bar} {value}/{total} {percentage}% ETA {eta_formatted}',
  lines?: ProgressLines,
): Progress {
  if (!progressEnabled()) {
    if (lines) return progressLines(label, total, format, lines);
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

/** A bar with messages above it (a line per input file while the bar runs): `log` prints the line either way. */
export interface LoggingProgress extends Progress {
  log(line: string): void;
}

/** As createProgress, for commands that report per file as they go; the bar is cleared when it stops. */
export function createLoggingProgress(
  label: string,
  total: number,
  format = '{bar} {value}/{total} {percentage}% ETA {eta_formatted}',
): LoggingProgress {
  if (!progressEnabled()) {
    return {
      update() {},
      increment() {},
      setTotal() {},
      stop() {},
      log: (line) => void process.stderr.write(`${line}\n`),
    };
  }
  const multi = new cliProgress.MultiBar(
    { format: `${label} ${format}`, stream: process.stderr, hideCursor: true, clearOnComplete: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  const bar = multi.create(total, 0);
  return {
    update: (done, payload) => bar.update(done, payload),
    increment: (by = 1, payload) => bar.increment(by, payload),
    setTotal: (t) => bar.setTotal(t),
    stop: () => multi.stop(),
    log: (line) => multi.log(`${line}\n`),
  };
}
