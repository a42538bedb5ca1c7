/** Every failure pnet expects carries one of these codes; the CLI prints one line and exits non-zero. */
export type PnetErrorCode =
  | 'BAD_INPUT' // a data file is malformed (file + line say where)
  | 'NOT_FOUND' // a file or directory the user named does not exist
  | 'BAD_ARGUMENT' // a CLI option has an invalid value
  | 'BAD_CHECKPOINT' // a checkpoint is truncated, corrupt or of another format
  | 'BAD_MODEL' // an ONNX file is unreadable or not a pnet model
  | 'EP_UNAVAILABLE' // an ONNX Runtime execution provider is missing
  | 'BACKEND_UNAVAILABLE' // a TF.js backend is missing
  | 'DOWNLOAD_FAILED' // network fetch failed or was verified as corrupt
  | 'REMOTE_ERROR' // an inference server answered with an error or could not be reached
  | 'RUN_FAILED' // ONNX Runtime failed while running a cloud (out of memory, say)
  | 'DIVERGED' // training produced a non-finite loss or gradient
  | 'FILE_ERROR' // a file or folder could not be read or written (permissions, a file where a folder belongs, disk full)
  | 'INTERRUPTED' // the user pressed Ctrl-C
  | 'PARTIAL_FAILURE'; // some items of a batch failed, others succeeded

export interface PnetErrorOptions {
  file?: string;
  line?: number;
  remedy?: string;
  cause?: unknown;
}

export class PnetError extends Error {
  readonly code: PnetErrorCode;
  readonly file?: string;
  readonly line?: number;
  /** What the user can do about it, printed after the message. */
  readonly remedy?: string;

  constructor(code: PnetErrorCode, message: string, options: PnetErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PnetError';
    this.code = code;
    this.file = options.file;
    this.line = options.line;
    this.remedy = options.remedy;
  }

  /** `file:line: message` — the form editors and terminals make clickable. */
  describe(): string {
    const where = this.file ? `${this.file}${this.line ? `:${this.line}` : ''}: ` : '';
    return `${where}${this.message}${this.remedy ? `\n  fix: ${this.remedy}` : ''}`;
  }
}

export function isPnetError(e: unknown): e is PnetError {
  return e instanceof PnetError;
}

/** Most characters of a user- or model-provided value an error message shows. */
export const QUOTE_LIMIT = 200;

/** Control characters (a newline in a class name) shown as \uXXXX, so an error stays one line. */
function escapeControls(s: string): string {
  return s.replace(/[\p{Cc}\u2028\u2029]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A user- or model-provided value as an error message shows it: control characters escaped, and past `limit`
 * characters cut with an ellipsis and the full length, so a 50 MB class name in a model's metadata cannot fill every
 * error line that names it.
 */
export function bounded(value: string, limit = QUOTE_LIMIT): string {
  if (value.length <= limit) return escapeControls(value);
  return `${escapeControls(value.slice(0, limit))}… (${value.length} characters)`;
}

/** `bounded` in double quotes; the full length of a cut value follows the quotes. */
export function quote(value: string, limit = QUOTE_LIMIT): string {
  if (value.length <= limit) return `"${escapeControls(value)}"`;
  return `"${escapeControls(value.slice(0, limit))}…" (${value.length} characters)`;
}

/** Names joined by ", ", each bounded, and the list cut after about `limit` characters with its full count. */
export function boundedList(values: readonly string[], limit = QUOTE_LIMIT): string {
  const shown: string[] = [];
  let length = 0;
  for (const v of values) {
    const s = bounded(v, limit);
    if (shown.length > 0 && length + s.length > limit) return `${shown.join(', ')}, … (${values.length} in all)`;
    shown.push(s);
    length += s.length + 2;
  }
  return shown.join(', ');
}
