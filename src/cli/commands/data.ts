import type { Argv } from 'yargs';
import { PnetError } from '../../core/errors.ts';
import type { PnetCommand } from '../command.ts';
import { checkDataset, formatCheckReport } from '../../data/check.ts';
import { fetchDataset } from '../../data/fetch.ts';
import { loadDataset } from '../../data/load.ts';
import { synthesizeDataset } from '../../data/synth.ts';
import { createProgress } from '../../core/node/progress.ts';
import { parseCategories } from '../options.ts';

interface DataArgs {
  action?: string;
  dir?: string;
  out?: string;
  dest?: string;
  url?: string;
  from?: string;
  sha256?: string;
  force?: boolean;
  count?: number;
  seed?: number;
  category?: string[];
  strict?: boolean;
  json?: boolean;
}

async function fetchAction(a: DataArgs): Promise<number> {
  // Ctrl-C stops the download and keeps the partial file, so the next run resumes.
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  const r = await fetchDataset({
    dest: a.dest ?? 'data',
    url: a.url,
    from: a.from,
    sha256: a.sha256,
    force: a.force,
    signal: abort.signal,
  }).finally(() => process.off('SIGINT', onSigint));
  const how = r.skipped
    ? 'already there'
    : `${(r.bytes / 1e6).toFixed(1)} MB archive${a.from ? ` ${r.archive}, verified` : r.resumed ? ', resumed' : ''}`;
  console.log(`dataset ready in ${r.extractedTo} (${how}); next: pnet data check ${r.extractedTo}`);
  return 0;
}

async function synthAction(a: DataArgs): Promise<number> {
  const count = a.count ?? 200;
  // Ctrl-C stops between clouds and removes the temp folder (a dataset is all or nothing).
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  const bar = createProgress('synthesizing', count);
  const r = await synthesizeDataset(a.out!, {
    count,
    seed: a.seed ?? 1,
    force: a.force,
    signal: abort.signal,
    onProgress: (done) => bar.update(done),
  }).finally(() => {
    process.off('SIGINT', onSigint);
    bar.stop();
  });
  console.log(`wrote ${r.clouds} SYNTHETIC airplanes (${r.points} points) to ${r.root}`);
  return 0;
}

async function checkAction(a: DataArgs): Promise<number> {
  const d = await loadDataset(a.dir!, { categories: a.category, strict: a.strict, progress: true, cache: false });
  const report = checkDataset(d);
  console.log(a.json ? JSON.stringify(report, null, 2) : formatCheckReport(report));
  // A check that loaded nothing has checked nothing: that is a failure even without --strict.
  if (report.clouds === 0) {
    throw new PnetError(
      'BAD_INPUT',
      `no clouds loaded${report.problems.length > 0 ? ' (see the problems above)' : ''}`,
      { file: a.dir },
    );
  }
  return a.strict && report.problems.length > 0 ? 1 : 0;
}

export const dataCommand: PnetCommand<DataArgs> = {
  builder: (y: Argv) =>
    y
      .positional('action', { choices: ['fetch', 'synth', 'check'] as const, describe: 'what to do' })
      .positional('dir', { type: 'string', describe: 'check: the dataset directory' })
      .option('dest', { type: 'string', describe: 'fetch: where to download and extract', default: 'data' })
      .option('url', { type: 'string', describe: 'fetch: archive URL (default: the ShapeNet part archive)' })
      .option('from', {
        type: 'string',
        describe:
          'fetch: a .zip you already have (e.g. the benchmark archive): verified and extracted into --dest, left in place',
      })
      .option('sha256', { type: 'string', describe: 'fetch: expected sha256 of the archive' })
      .option('out', { type: 'string', describe: 'synth: output directory' })
      .option('count', { type: 'number', describe: 'synth: number of clouds', default: 200 })
      .option('seed', { type: 'number', describe: 'synth: random seed', default: 1 })
      .option('force', { type: 'boolean', describe: 'replace existing data', default: false })
      .option('category', {
        type: 'string',
        array: true,
        describe: 'check: categories to load (names from metadata)',
        coerce: parseCategories,
      })
      .option('strict', {
        type: 'boolean',
        describe: 'check: exit non-zero on any problem (first bad file is fatal)',
        default: false,
      })
      .option('json', { type: 'boolean', describe: 'check: print the report as JSON', default: false })
      .check((a) => {
        if (a.action === 'synth' && !a.out) throw new PnetError('BAD_ARGUMENT', 'data synth needs --out DIR');
        if (a.from !== undefined && a.url !== undefined)
          throw new PnetError('BAD_ARGUMENT', '--from and --url both name an archive; pass one of them');
        if (a.action === 'check' && !a.dir)
          throw new PnetError('BAD_ARGUMENT', 'data check needs the dataset directory');
        return true;
      })
      .example('$0 data synth --out data/synth --count 200', 'write 200 SYNTHETIC labelled airplanes')
      .example('$0 data check data/PartAnnotation --category Airplane', 'counts, histogram and problems')
      .example('$0 data check data/synth --strict', 'fail on the first malformed file')
      .example('$0 data fetch --dest data', 'download and extract the ShapeNet part archive (resumable)')
      .example(
        '$0 data fetch --from ~/Downloads/shapenetcore_partanno_segmentation_benchmark_v0.zip --dest data',
        'verify and extract an archive you already have, as after a download',
      ),
  handler: async (a) => {
    if (a.action === 'fetch') return fetchAction(a);
    if (a.action === 'synth') return synthAction(a);
    return checkAction(a);
  },
};

export const { builder, handler } = dataCommand;
