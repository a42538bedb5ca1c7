import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.ts';

describe('pnet quickstart (small)', () => {
  it('runs data → train → export → infer → parity and leaves every artefact', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pnet-qs-')), 'qs');
    const r = runCli(
      [
        'quickstart',
        '--out',
        out,
        '--clouds',
        '12',
        '--epochs',
        '1',
        '--points',
        '256',
        '--holdout',
        '2',
        '--no-browser',
      ],
      {
        timeoutMs: 300_000,
      },
    );
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.status).toBe(0);
    for (const step of ['1/5 data', '2/5 train', '3/5 export', '4/5 infer', '5/5 parity'])
      expect(r.stderr).toContain(step);
    expect(readdirSync(join(out, 'data', 'PartAnnotation', '02691156', 'points'))).toHaveLength(12);
    for (const f of ['config.json', 'metrics.jsonl', 'metrics.csv', 'curves.svg', 'best.ckpt', 'last.ckpt']) {
      expect(existsSync(join(out, 'run', f))).toBe(true);
    }
    expect(
      readFileSync(join(out, 'run', 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(1);
    expect(existsSync(join(out, 'airplane.onnx'))).toBe(true);
    expect(readdirSync(join(out, 'labels')).filter((f) => f.endsWith('.ply'))).toHaveLength(2);
    expect(r.stdout).toMatch(/eval on 2 clouds with labels: accuracy/);
    // The parity table: ORT rows compared against TF.js and passing; rows that cannot run here are skipped, not failed.
    expect(r.stdout).toMatch(/\| onnxruntime-node cpu \| [0-9.e-]+ \| 100\.000% \|.*\| PASS \|/);
    expect(r.stdout).not.toMatch(/\| FAIL \|/);
    expect(r.stdout).toContain(`npx pnet serve --model ${join(out, 'airplane.onnx')}`);
  }, 300_000);
});
