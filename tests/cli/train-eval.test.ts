import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.ts';
import { readCheckpoint } from '../../src/checkpoint/files.ts';
import { HAS_REAL_DATA, REAL_NORMAL } from '../paths.ts';

describe.skipIf(!HAS_REAL_DATA)('pnet train / eval on the real ShapeNet files', () => {
  it('trains the lite preset for 2 epochs, writes the run directory, and eval reports on it', async () => {
    const run = join(mkdtempSync(join(tmpdir(), 'pnet-train-')), 'run');
    const train = runCli(
      [
        'train',
        '--data',
        REAL_NORMAL,
        '--category',
        'Table',
        '--category',
        'Skateboard',
        '--preset',
        'lite',
        '--epochs',
        '2',
        '--batch-size',
        '2',
        '--points',
        '256',
        '--out',
        run,
      ],
      { timeoutMs: 240_000 },
    );
    expect(train.stderr).not.toMatch(/unexpected error/);
    expect(train.status).toBe(0);
    expect(train.stderr).toMatch(/backend: \w+ \(/);
    const lines = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, number>);
    expect(lines.map((l) => l.epoch)).toEqual([1, 2]);
    for (const f of ['config.json', 'metrics.csv', 'curves.svg', 'best.ckpt', 'last.ckpt'])
      expect(existsSync(join(run, f))).toBe(true);
    expect(readFileSync(join(run, 'curves.svg'), 'utf8')).toMatch(/^<svg/);

    const again = runCli(['train', '--data', REAL_NORMAL, '--category', 'Table', '--out', run]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already holds a run/);

    const evalRun = runCli(['eval', run, '--data', REAL_NORMAL, '--category', 'Table', '--category', 'Skateboard'], {
      timeoutMs: 120_000,
    });
    expect(evalRun.status).toBe(0);
    expect(evalRun.stdout).toMatch(/mIoU/i);
    expect(evalRun.stdout).toMatch(/confusion/i);

    // --record keeps the figures with the checkpoint (for the export's metadata); the checkpoint still verifies.
    const recorded = runCli(['eval', run, '--data', REAL_NORMAL, '--all-points', '--record', '--json'], {
      timeoutMs: 120_000,
    });
    expect(recorded.status).toBe(0);
    const report = JSON.parse(recorded.stdout) as { miou: number; accuracy: number; checkpoint: string };
    const { meta } = await readCheckpoint(report.checkpoint);
    expect(meta.metrics['all_all_points_miou']).toBe(report.miou);
    expect(meta.metrics['all_all_points_accuracy']).toBe(report.accuracy);
    expect(meta.metrics['val_miou']).toBeDefined();
  }, 300_000);
});
