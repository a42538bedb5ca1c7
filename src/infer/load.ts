/** The model for `pnet infer`: one session in this thread, or a pool of worker threads each with its own. */
import { availableParallelism } from 'node:os';
import { createNodeSegmenter, createSegmenterPool, type NodeExecutionProvider } from '../../runtime/node/index.ts';
import type { Segmenter } from '../../runtime/segmenter.ts';

export interface LoadOptions {
  model: string;
  ep: NodeExecutionProvider;
  fallback?: 'cpu';
  threads?: number;
  maxPoints?: number;
}

export interface LoadedModel {
  segmenter: Segmenter;
  /** Summary line on how the work is spread, when there are worker threads. */
  workSpread?: string;
}

/** `workers` > 1 starts a pool; `requested` is what the user asked for (more workers than clouds are not started). */
export async function loadInferModel(options: LoadOptions, workers: number, requested: number): Promise<LoadedModel> {
  const { model, ...load } = options;
  if (workers <= 1) return { segmenter: await createNodeSegmenter(model, load) };
  const pool = await createSegmenterPool(model, { workers, ...load });
  const cores = availableParallelism();
  const workSpread =
    `  ${workers} worker threads × ${pool.threads} ORT thread${pool.threads === 1 ? '' : 's'} each on ${cores} cores` +
    (workers * pool.threads > cores ? ' (more threads than cores: they take turns)' : '') +
    (requested > workers ? ` (--workers ${requested}, but only ${workers} clouds)` : '');
  return { segmenter: pool, workSpread };
}
