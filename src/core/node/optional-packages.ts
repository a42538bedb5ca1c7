/**
 * The packages `npm i pnet --omit=optional` leaves out (package.json `optionalDependencies`: training, export and
 * the browser runtime), and the one error a missing one becomes, for the library and the CLI alike.
 */
import { PnetError } from '../errors.ts';

/** Kept equal to package.json's `optionalDependencies` (tests/package/exports.test.ts). */
export const OPTIONAL_PACKAGES = [
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-backend-webgpu',
  'webgpu',
  'vega',
  'vega-lite',
  'onnx-proto',
  'onnxruntime-web',
  'fflate',
] as const;

/** Imports a module; a missing optional package becomes one PnetError saying which call needs it and how to get it. */
export async function loadOptional<T>(what: string, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (e) {
    const missing = /Cannot find (?:package|module) '([^']+)'/.exec((e as Error)?.message ?? '')?.[1];
    const pkg = OPTIONAL_PACKAGES.find((p) => missing === p || missing?.startsWith(`${p}/`));
    if (pkg === undefined) throw e;
    throw new PnetError('BACKEND_UNAVAILABLE', `${what} needs ${pkg}, which this install of pnet left out`, {
      remedy: 'install pnet with its optional dependencies (`npm i pnet`, without --omit=optional)',
      cause: e,
    });
  }
}
