/** What every segmenter does once disposed: the `await using` key, and the one error later calls get. */
import { PnetError } from '../../src/core/errors.ts';

/**
 * The key `await using` calls. Node 20 and current browsers define Symbol.asyncDispose; where one does not, the
 * registry symbol that TypeScript's and core-js's polyfills use stands in, so the method never lands on a key named
 * "undefined".
 */
export const ASYNC_DISPOSE: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? (Symbol.for('Symbol.asyncDispose') as typeof Symbol.asyncDispose);

/** The error a segmenter's calls get after dispose(); `model` names its file or URL. */
export function disposedError(model?: string): PnetError {
  return new PnetError('RUN_FAILED', 'this segmenter was disposed; create another to segment more clouds', {
    file: model,
  });
}
