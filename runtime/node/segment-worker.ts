/**
 * Runs inside a worker thread of the segmenter pool: loads its own onnxruntime session, then reads and parses cloud
 * files and runs groups of clouds as the pool asks, one request at a time. Started through segment-worker-entry.mjs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Segmenter } from '../segmenter.ts';
import { openNodeSegmenter } from './node-segmenter.ts';
import { readCloudFile } from './cloud-files.ts';
import { segmentIsolatingFailures } from './segment-isolating.ts';
import { serializeError, transferables } from '../../src/core/error-wire.ts';
import {
  ownBytes,
  type FromWorker,
  type ToWorker,
  type WireCloud,
  type WireResult,
  type WorkerSetup,
} from './worker-protocol.ts';

if (!parentPort) throw new Error('segment-worker.ts runs only as a worker thread');
const port = parentPort;
const setup = workerData as WorkerSetup;

async function readClouds(files: string[]): Promise<WireCloud[]> {
  const out: WireCloud[] = [];
  for (const file of files) {
    try {
      // Own bytes, so the reply moves each cloud rather than cloning a buffer it shares.
      out.push({ points: ownBytes(await readCloudFile(file)) });
    } catch (e) {
      out.push({ error: serializeError(e) });
    }
  }
  return out;
}

async function segmentGroup(segmenter: Segmenter, clouds: Float32Array[]): Promise<WireResult[]> {
  const results = await segmentIsolatingFailures(segmenter, clouds, clouds.length);
  return results.map((r) => (r instanceof Error ? { error: serializeError(r) } : { result: r }));
}

async function answer(segmenter: Segmenter, message: Exclude<ToWorker, { type: 'close' }>): Promise<void> {
  if (message.type === 'read') {
    const clouds = await readClouds(message.files);
    const reply: FromWorker = { type: 'read', id: message.id, clouds };
    port.postMessage(reply, transferables(clouds.flatMap((c) => ('points' in c ? [c.points] : []))));
  } else {
    const results = await segmentGroup(segmenter, message.clouds).catch((e: unknown) =>
      message.clouds.map((): WireResult => ({ error: serializeError(e) })),
    );
    const reply: FromWorker = { type: 'segment', id: message.id, results };
    port.postMessage(
      reply,
      transferables(results.flatMap((r) => ('result' in r ? [r.result.labels, r.result.probabilities] : []))),
    );
  }
}

async function serve(): Promise<void> {
  let segmenter: Segmenter;
  try {
    segmenter = await openNodeSegmenter(setup.model, setup.options);
  } catch (e) {
    port.postMessage({ type: 'failed', error: serializeError(e) } satisfies FromWorker);
    port.close();
    return;
  }
  port.postMessage({
    type: 'ready',
    info: segmenter.info,
    executionProvider: segmenter.executionProvider,
    fallbackReason: segmenter.fallbackReason,
  } satisfies FromWorker);
  // The pool sends the next request only after this one's answer, so runs never overlap on the session.
  port.on('message', (message: ToWorker) => {
    if (message.type === 'close') void segmenter.dispose().finally(() => port.close());
    else void answer(segmenter, message);
  });
}

await serve();
