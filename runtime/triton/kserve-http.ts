/**
 * The KServe v2 HTTP/REST calls pnet makes to Triton (GET model config, POST infer), over the global `fetch`, with
 * every failure turned into one PnetError that carries the HTTP status and Triton's own `error` message.
 */
import { PnetError, type PnetErrorCode } from '../../src/core/errors.ts';
import { TENSOR_NAMES } from '../../src/core/contract.ts';

/** One KServe v2 tensor in JSON form: `data` is the row-major flattening of `shape`. */
export interface KserveTensor {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown[];
}

export interface KserveInferRequest {
  inputs: KserveTensor[];
  outputs: Array<{ name: string }>;
}

export interface KserveInferResponse {
  model_name?: string;
  model_version?: string;
  outputs: KserveTensor[];
}

/** The inference request body for `batch` clouds of `numPoints` points, packed as [batch, numPoints, 3]. */
export function inferRequestBody(packed: Float32Array, batch: number, numPoints: number): KserveInferRequest {
  return {
    inputs: [{ name: TENSOR_NAMES.points, shape: [batch, numPoints, 3], datatype: 'FP32', data: Array.from(packed) }],
    outputs: [{ name: TENSOR_NAMES.probabilities }, { name: TENSOR_NAMES.labels }],
  };
}

/** `base/v2/models/<name>[/versions/<v>]` + `suffix`, the model name URL-encoded. */
export function modelUrl(baseUrl: string, modelName: string, version: string | undefined, suffix: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  const versionPart = version === undefined ? '' : `/versions/${encodeURIComponent(version)}`;
  return `${base}/v2/models/${encodeURIComponent(modelName)}${versionPart}${suffix}`;
}

function firstLine(e: unknown): string {
  const cause = (e as { cause?: { message?: string } })?.cause?.message;
  return String(cause ?? (e as Error)?.message ?? e)
    .split('\n')[0]!
    .trim();
}

/**
 * Sends one request and returns the parsed JSON body. `what` names the call in messages; `codeFor` picks the
 * error code for an HTTP error status.
 */
export async function requestJson(
  url: string,
  init: RequestInit,
  what: string,
  codeFor: (status: number) => PnetErrorCode,
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (e) {
    throw new PnetError('REMOTE_ERROR', `${what}: cannot reach ${url} (${firstLine(e)})`, {
      remedy: 'check that tritonserver is running and that the URL (host, HTTP port, usually 8000) is right',
      cause: e,
    });
  }
  const text = await response.text();
  if (!response.ok) {
    let detail = text.trim().slice(0, 500);
    try {
      const body = JSON.parse(text) as { error?: unknown };
      if (typeof body.error === 'string') detail = body.error;
    } catch {
      // Not JSON (a proxy's error page, say): report the text as is.
    }
    throw new PnetError(
      codeFor(response.status),
      `${what} failed: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}` +
        (detail ? `: ${detail}` : ''),
      { file: url },
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new PnetError('REMOTE_ERROR', `${what}: the server answered with something that is not JSON`, { file: url });
  }
}
