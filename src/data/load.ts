import { PnetError, isPnetError } from '../core/errors.ts';
import { createProgress } from '../core/node/progress.ts';
import { cacheKey, readCache, writeCache } from './cache.ts';
import { indexDataset } from './layout.ts';
import { parseCloud } from './parse-cloud.ts';
import type { Cloud, DataProblem, Dataset } from './types.ts';

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
 * `strict`); nothing is written except the cache, atomically.
 */
export async function loadDataset(dir: string, options: LoadOptions = {}): Promise<Dataset> {
  const index = indexDataset(dir, options.categories);
  const { sources, classes } = index;
  const noneClass = classes.names.length - 1;
  const useCache = options.cache ?? true;
  const key = useCache ? cacheKey(sources, classes.names) : '';
  let parsed = useCache ? readCache(key) : undefined;
  if (!parsed) {
    const clouds: Cloud[] = [];
    const problems: DataProblem[] = [];
    const bar = options.progress ? createProgress('parsing clouds', sources.length) : undefined;
    for (const source of sources) {
      try {
        clouds.push(parseCloud(source, noneClass));
      } catch (e) {
        if (!isPnetError(e)) throw e;
        if (options.strict) {
          bar?.stop();
          throw e;
        }
        problems.push({ file: e.file ?? source.pointsFile, line: e.line, message: e.message });
      }
      bar?.increment();
    }
    bar?.stop();
    parsed = { clouds, problems };
    // The cache only saves time: a cache folder that cannot be written costs a warning, not the run.
    if (useCache) {
      await writeCache(key, clouds, problems).catch((e: unknown) =>
        process.stderr.write(
          `pnet: warning: parsed clouds not cached: ${isPnetError(e) ? e.describe() : (e as Error).message}\n`,
        ),
      );
    }
  } else if (options.strict && parsed.problems.length > 0) {
    const p = parsed.problems[0]!;
    throw new PnetError('BAD_INPUT', p.message, { file: p.file, line: p.line });
  }
  const problems = [...index.problems, ...parsed.problems];
  if (options.strict && index.problems.length > 0) {
    const p = index.problems[0]!;
    throw new PnetError('BAD_INPUT', p.message, { file: p.file, line: p.line });
  }
  return {
    root: index.root,
    format: index.format,
    categories: index.categories,
    classes,
    clouds: parsed.clouds,
    officialSplit: index.officialSplit,
    problems,
  };
}
