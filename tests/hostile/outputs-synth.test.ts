/**
 * A `pnet data synth` process stopped part-way: Ctrl-C removes its temp folder; one killed outright leaves it, and
 * the next run into that folder removes it and says so. A folder it cannot prove its own is kept and mentioned.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNET_BIN } from '../paths.ts';
import { expectNoStackTrace, pnet } from './harness.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-hostile-synth-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const temps = async (out: string): Promise<string[]> =>
  (await readdir(out).catch(() => [] as string[])).filter((n) => n.startsWith('.synth-'));

/** Starts a large synth into `out`, sends `signal` once its temp folder holds clouds, returns the exit code. */
async function stopSynth(out: string, signal: NodeJS.Signals): Promise<number | null> {
  const child = spawn(process.execPath, [PNET_BIN, 'data', 'synth', '--out', out, '--count', '100000'], {
    env: { ...process.env, CI: 'true' },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  const started = async (): Promise<boolean> => {
    const [tmp] = await temps(out);
    return tmp !== undefined && (await readdir(join(out, tmp, '02691156', 'points')).catch(() => [])).length > 3;
  };
  while (!(await started()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  child.kill(signal);
  return exited;
}

describe('hostile: pnet data synth stopped part-way', () => {
  it('Ctrl-C: exit 130 and no temp folder left', async () => {
    const out = join(dir, 'interrupted');
    expect(await stopSynth(out, 'SIGINT')).toBe(130);
    expect(await temps(out)).toEqual([]);
  }, 90_000);

  it('kill -9: the next run removes the temp folder and says so; one it cannot prove its own is kept', async () => {
    const out = join(dir, 'killed');
    await stopSynth(out, 'SIGKILL');
    const [left] = await temps(out);
    expect(left).toBeDefined();
    // Same name shape, but nothing says which process made it: not ours to delete.
    await mkdir(join(out, '.synth-0123abcd'));
    await writeFile(join(out, '.synth-0123abcd', 'keep.txt'), 'mine');
    const r = await pnet('data', 'synth', '--out', out, '--count', '2');
    expectNoStackTrace(r);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(join(out, left!));
    expect(r.stderr).toContain(join(out, '.synth-0123abcd'));
    expect(await temps(out)).toEqual(['.synth-0123abcd']);
    expect(await readFile(join(out, '.synth-0123abcd', 'keep.txt'), 'utf8')).toBe('mine');
    expect((await readdir(join(out, 'PartAnnotation', '02691156', 'points'))).length).toBe(2);
  }, 90_000);
});
