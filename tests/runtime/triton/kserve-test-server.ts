/**
 * A stand-in for tritonserver's HTTP endpoint, for tests on machines without a container engine. It fakes the
 * transport only: the configuration it serves is the repository's config.pbtxt (read strictly against Triton's
 * schema, rendered as protobuf JSON with 64-bit integers as strings), and inference runs the repository's
 * model.onnx in onnxruntime-node. Requests are checked the way Triton checks them (names, datatype, shape vs dims).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import * as ort from 'onnxruntime-node';
import { parseTextFormat } from '../../exporters/triton/pbtxt.ts';
import { modelConfigType } from '../../exporters/triton/model-config-schema.ts';

interface Tensor {
  name: string;
  datatype: string;
  dims: number[];
}

interface LoadedModel {
  configJson: Record<string, unknown>;
  session: ort.InferenceSession;
  maxBatchSize: number;
  input: Tensor;
}

export interface KserveTestServer {
  url: string;
  /** Bodies of every inference request received, parsed. */
  requests: unknown[];
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function loadModel(repo: string, name: string, version: number): Promise<LoadedModel> {
  const T = modelConfigType();
  const file = path.join(repo, name, 'config.pbtxt');
  const message = parseTextFormat(await readFile(file, 'utf8'), T, file);
  const configJson = T.toObject(message, { longs: String, enums: String }) as Record<string, unknown>;
  const input = (configJson.input as Array<{ name: string; dims: string[] }>)[0]!;
  return {
    configJson,
    session: await ort.InferenceSession.create(path.join(repo, name, String(version), 'model.onnx')),
    maxBatchSize: Number(configJson.max_batch_size ?? 0),
    input: { name: input.name, datatype: 'FP32', dims: input.dims.map(Number) },
  };
}

function checkShape(shape: number[], model: LoadedModel): void {
  const full = model.maxBatchSize > 0 ? [-1, ...model.input.dims] : model.input.dims;
  const fits = shape.length === full.length && shape.every((d, i) => full[i] === -1 || full[i] === d);
  if (!fits) {
    throw new HttpError(
      400,
      `unexpected shape for input '${model.input.name}' for model: expected [${full}], got [${shape}]`,
    );
  }
  if (model.maxBatchSize > 0 && shape[0]! > model.maxBatchSize) {
    throw new HttpError(400, `inference request batch-size must be <= ${model.maxBatchSize}, got ${shape[0]}`);
  }
}

async function infer(model: LoadedModel, name: string, body: unknown): Promise<unknown> {
  const request = body as {
    inputs?: Array<{ name: string; shape: number[]; datatype: string; data: number[] }>;
    outputs?: Array<{ name: string }>;
  };
  const input = request.inputs?.find((i) => i.name === model.input.name);
  if (!input || request.inputs!.length !== 1) throw new HttpError(400, `expected 1 input '${model.input.name}'`);
  if (input.datatype !== 'FP32')
    throw new HttpError(400, `unexpected datatype ${input.datatype} for input '${input.name}', expecting FP32`);
  checkShape(input.shape, model);
  const size = input.shape.reduce((a, b) => a * b, 1);
  if (!Array.isArray(input.data) || input.data.length !== size) {
    throw new HttpError(
      400,
      `unexpected number of elements for input '${input.name}': ${input.data?.length}, expected ${size}`,
    );
  }
  const out = await model.session.run({
    [input.name]: new ort.Tensor('float32', Float32Array.from(input.data), input.shape),
  });
  const wanted = request.outputs?.map((o) => o.name) ?? model.session.outputNames;
  return {
    model_name: name,
    model_version: '1',
    outputs: wanted.map((o) => {
      const t = out[o];
      if (!t) throw new HttpError(400, `unknown output '${o}'`);
      return {
        name: o,
        datatype: t.type === 'int64' ? 'INT64' : 'FP32',
        shape: [...t.dims],
        data: t.type === 'int64' ? Array.from(t.data as BigInt64Array, Number) : Array.from(t.data as Float32Array),
      };
    }),
  };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'failed to parse the request JSON buffer');
  }
}

/** Serves `version` of every model named in `models` from the repository folder `repo`, on 127.0.0.1. */
export async function startKserveTestServer(repo: string, models: string[], version = 1): Promise<KserveTestServer> {
  const loaded = new Map<string, LoadedModel>();
  for (const m of models) loaded.set(m, await loadModel(repo, m, version));
  const requests: unknown[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/v2\/models\/([^/]+)(\/config|\/infer)$/.exec(req.url ?? '');
    if (!match) throw new HttpError(404, 'Not Found');
    const name = decodeURIComponent(match[1]!);
    const model = loaded.get(name);
    if (!model) throw new HttpError(400, `Request for unknown model: '${name}' is not found`);
    let result: unknown;
    if (match[2] === '/config' && req.method === 'GET') result = model.configJson;
    else if (match[2] === '/infer' && req.method === 'POST') {
      const body = await readBody(req);
      requests.push(body);
      result = await infer(model, name, body);
    } else throw new HttpError(405, 'Method Not Allowed');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : 500;
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: (e as Error).message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
      await Promise.all([...loaded.values()].map((m) => m.session.release()));
    },
  };
}
