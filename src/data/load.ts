import { isPnetError } from '../core/errors.ts';
import { createProgress } from '../core/node/progress.ts';
import { cacheKey, readCache, writeCache } from './cache.ts';
import { indexDataset } from './layout.ts';
import { nodeFileTree } from './node-file-tree.ts';
import { datasetOf, parseClouds, problemError } from './tree-clouds.ts';
import type { Dataset } from './types.ts';

export interface LoadOptions {
  /** Category names from the dataset's metadata (case-insensitive); all when omitted. */
  categories?: string[];
  /** The first bad file is fatal (PnetError with its file and line) instead of a skipped cloud. */
  strict?: boolean;
  progress?: boolean;
  /** Read and write the parsed-cloud cache (default true). */
  cache?: boolean;
}

/**
 * Loads a dataset in any supported layout. Bad clouds are skipped and listed in `problems` (or fatal with
 * `strict`); nothing is written except the cache, atomically. loadDatasetFromFiles (load-files.ts) is the same
 * reader over files held in memory.
 */
export async function loadDataset(dir: string, options: LoadOptions = {}): Promise<Dataset> {
  const index = indexDataset(dir, options.categories);
  const { sources, classes } = index;
  const noneClass = classes.names.length - 1;
  const strict = options.strict ?? false;
  const useCache = options.cache ?? true;
  const key = useCache ? cacheKey(sources, classes.names) : '';
  let parsed = useCache ? readCache(key) : undefined;
  if (!parsed) {
    const bar = options.progress ? createProgress('parsing clouds', sources.length) : undefined;
    try {
      parsed = parseClouds(nodeFileTree, sources, noneClass, { strict, onCloud: () => bar?.increment() });
    } finally {
      bar?.stop();
    }
    const { clouds, problems } = parsed;
    // The cache only saves time: a cache folder that cannot be written costs a warning, not the run.
    if (useCache) {
      await writeCache(key, clouds, problems).catch((e: unknown) =>
        process.stderr.write(
          `pnet: warning: parsed clouds not cached: ${isPnetError(e) ? e.describe() : (e as Error).message}\n`,
        ),
      );
    }
  } else if (strict && parsed.problems.length > 0) {
    throw problemError(parsed.problems[0]!);
  }
  return datasetOf(index, parsed, strict);
}
