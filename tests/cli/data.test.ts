import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.ts';
import { goodCloud, writePartAnnotation } from '../data/fixtures.ts';

describe('pnet data (CLI)', () => {
  it('synth then check: counts per part, histogram, no problems, exit 0 with --strict', () => {
    const out = mkdtempSync(join(tmpdir(), 'pnet-cli-'));
    const synth = runCli(['data', 'synth', '--out', out, '--count', '4', '--seed', '2']);
    expect(synth.status).toBe(0);
    expect(synth.stdout).toMatch(/wrote 4 SYNTHETIC airplanes/);
    const check = runCli(['data', 'check', out, '--strict', '--category', 'Airplane']);
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    expect(check.stdout).toMatch(/4 clouds loaded/);
    expect(check.stdout).toMatch(/wing\s+\d+\s+4/);
    expect(check.stdout).toMatch(/points per cloud:/);
    expect(check.stdout).toMatch(/no problems found/);
  });

  it('a bad file: listed and skipped by default; with --strict one line naming file and line, exit 1, no stack', () => {
    const root = writePartAnnotation([goodCloud('a'), { id: 'b', pts: '1 2 3\n4 five 6\n', segs: {} }]);
    const loose = runCli(['data', 'check', root]);
    expect(loose.status).toBe(0);
    expect(loose.stdout).toMatch(/1 clouds loaded/);
    expect(loose.stdout).toMatch(/points\/b\.pts:2: not a number: "five"/);
    const strict = runCli(['data', 'check', root, '--strict']);
    expect(strict.status).toBe(1);
    expect(strict.stderr).toMatch(/^pnet: .*points\/b\.pts:2: not a number: "five"\n$/);
    expect(strict.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('usage errors are one line, not a trace', () => {
    const r = runCli(['data', 'synth']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/data synth needs --out DIR/);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });
});
