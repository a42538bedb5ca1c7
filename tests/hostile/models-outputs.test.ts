/**
 * Foreign models that break the contract where a runtime would otherwise answer wrong without a word: float16
 * probabilities (raw bit patterns passed for numbers) and an empty `pnet.category` (which silently changes the
 * parts `--eval` predicts over). Each must fail at load, in one line naming the model, before any cloud is read.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { formatPts } from '../../src/core/formats/pts.ts';
import { linearPnetModel, type LinearModelOptions } from '../runtime/node/onnx-fixtures.ts';
import { expectCleanFailure, expectUnchanged, pnet, snapshot } from './harness.ts';

let dir: string;
let clouds: string;
const base: LinearModelOptions = {
  weights: Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1),
  classes: ['a', 'b', 'c'],
  colors: ['#ff0000', '#00ff00', '#0000ff'],
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-hostile-models-'));
  clouds = join(dir, 'clouds');
  await mkdir(clouds);
  await writeFile(join(clouds, 'a.pts'), formatPts(Float32Array.of(0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1)));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hostile models: contract breaches fail at load, naming the model', () => {
  const cases: Array<{ what: string; model: LinearModelOptions; args: string[]; message: RegExp }> = [
    {
      what: 'float16 probabilities (json --probabilities would write their bit patterns)',
      model: { ...base, float16Probabilities: true },
      args: ['--format', 'json', '--probabilities'],
      message: /output "probabilities" is float16; the pnet contract needs float32/,
    },
    {
      what: 'an empty pnet.category list',
      model: { ...base, metadata: { 'pnet.category': '[]' } },
      args: ['--eval'],
      message: /metadata pnet\.category must name at least one category, got \[\]/,
    },
    {
      what: 'a pnet.category of one empty name',
      model: { ...base, metadata: { 'pnet.category': '[""]' } },
      args: ['--eval'],
      message: /metadata pnet\.category must name at least one category/,
    },
  ];
  for (const c of cases) {
    it(c.what, async () => {
      const model = join(dir, `${c.what.replace(/\W+/g, '_')}.onnx`);
      await writeFile(model, linearPnetModel(c.model));
      const out = join(dir, `out-${c.what.replace(/\W+/g, '_')}`);
      const before = await snapshot(clouds);
      const r = await pnet('infer', model, clouds, '--out', out, ...c.args);
      expectCleanFailure(r, { file: model, message: c.message });
      await expectUnchanged(clouds, before);
    });
  }
});
