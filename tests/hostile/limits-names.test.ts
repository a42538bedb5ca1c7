/**
 * Names a model or a dataset provides are quoted in errors, bounded: a 1 MB class name (or category, or metadata
 * value) shows as its first 200 characters, an ellipsis and its length, never whole in every error line; a newline
 * in a name shows escaped, so the error stays one line.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REAL_BENCHMARK } from '../paths.ts';
import { linearPnetModel, type LinearModelOptions } from '../runtime/node/onnx-fixtures.ts';
import { expectCleanFailure, pnet } from './harness.ts';

const HUGE = 'n'.repeat(1_000_000);
/** A generous bound on an error line that quotes a few bounded values. */
const LINE_LIMIT = 2000;

let dir: string;
let benchmark: string;
let airplane: string;
let airplaneSeg: string;
const base: LinearModelOptions = {
  weights: Float32Array.of(1, 0, 0, 1, 0, 0),
  classes: ['a', 'b'],
  colors: ['#ff0000', '#00ff00'],
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-hostile-names-'));
  benchmark = join(dir, 'benchmark');
  await cp(REAL_BENCHMARK, benchmark, { recursive: true });
  airplane = join(benchmark, '02691156', 'points');
  airplaneSeg = join(benchmark, '02691156', 'points_label', '1021a0914a7207aff927ed529ad90a11.seg');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function model(name: string, options: Partial<LinearModelOptions>): Promise<string> {
  const file = join(dir, `${name}.onnx`);
  await writeFile(file, linearPnetModel({ ...base, ...options }));
  return file;
}

function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('pnet: '));
}

describe('hostile limits: huge names in errors are bounded', () => {
  it('a list of 1 MB class names is cut in the --eval error of every cloud; a newline in a name is escaped', async () => {
    const m = await model('huge-class', {
      classes: ['wing\nbody', HUGE],
      metadata: { 'pnet.category': JSON.stringify(['Airplane']) },
    });
    const r = await pnet('infer', m, airplane, '--eval', '--out', join(dir, 'out-class'));
    expectCleanFailure(r, {
      file: airplaneSeg,
      message: /the model has no class for Airplane part "body" \(its classes: wing\\u000abody, … \(2 in all\)\)$/,
    });
    for (const line of errorLines(r.stderr)) expect(line.length).toBeLessThan(LINE_LIMIT);
  });

  it("a 1 MB category name is cut where a cloud's category is not the model's", async () => {
    const m = await model('huge-category', { metadata: { 'pnet.category': JSON.stringify([HUGE]) } });
    const r = await pnet('infer', m, airplane, '--eval', '--out', join(dir, 'out-category'));
    expectCleanFailure(r, {
      file: airplaneSeg,
      message: /this cloud is a Airplane; the model knows n{200}… \(1000000 characters\) only/,
    });
    for (const line of errorLines(r.stderr)) expect(line.length).toBeLessThan(LINE_LIMIT);
  });

  const metadataCases: Array<{ what: string; metadata: Record<string, string>; message: RegExp }> = [
    {
      what: 'a 1 MB colour',
      metadata: { 'pnet.colors': JSON.stringify([`#${HUGE}`, '#00ff00']) },
      message: /metadata pnet\.colors: "#n{199}…" \(1000001 characters\) is not a #rrggbb colour/,
    },
    {
      what: 'a 1 MB normalization',
      metadata: { 'pnet.normalization': HUGE },
      message: /pnet\.normalization must be "unit-sphere" or "none", got "n{200}…" \(1000000 characters\)/,
    },
    {
      what: 'a 1 MB num_points',
      metadata: { 'pnet.num_points': HUGE },
      message: /pnet\.num_points must be a positive integer, got "n{200}…" \(1000000 characters\)/,
    },
    {
      what: 'a 1 MB category list naming no category',
      metadata: { 'pnet.category': JSON.stringify(Array.from({ length: 200_000 }, () => ' ')) },
      message: /must name at least one category, got \[" ",.*… \(800001 characters\)$/,
    },
  ];
  for (const c of metadataCases) {
    it(`${c.what} in the metadata is cut in the load error`, async () => {
      const m = await model(c.what.replace(/\W+/g, '_'), { metadata: c.metadata });
      const r = await pnet('infer', m, airplane, '--out', join(dir, `out-${c.what.replace(/\W+/g, '_')}`));
      expectCleanFailure(r, { file: m, message: c.message });
      for (const line of errorLines(r.stderr)) expect(line.length).toBeLessThan(LINE_LIMIT);
    });
  }
});
