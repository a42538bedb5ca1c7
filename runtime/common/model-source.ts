/** A model given as bytes or fetched from a URL, read the same way in Node and in a page. */
import { PnetError } from '../../src/core/errors.ts';

/** A model's bytes and the name errors give it (its path or URL). */
export interface LoadedModel {
  bytes: Uint8Array;
  source: string;
}

/** The bytes themselves, or undefined when `model` is a path or URL. */
export function modelBytesGiven(model: unknown): LoadedModel | undefined {
  if (model instanceof Uint8Array) return { bytes: model, source: '<model bytes>' };
  if (model instanceof ArrayBuffer) return { bytes: new Uint8Array(model), source: '<model bytes>' };
  return undefined;
}

export async function fetchModel(url: string): Promise<LoadedModel> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new PnetError('NOT_FOUND', `cannot fetch the model: ${(e as Error).message}`, { file: url, cause: e });
  }
  if (!response.ok) throw new PnetError('NOT_FOUND', `cannot fetch the model: HTTP ${response.status}`, { file: url });
  return { bytes: new Uint8Array(await response.arrayBuffer()), source: url };
}
