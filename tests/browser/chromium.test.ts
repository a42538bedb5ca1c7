/** Finding and launching headless Chromium: PNET_CHROMIUM, WebGPU flags, profile clean-up, the adapter probe. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chromiumArgs, chromiumProblem, findChromium, launchChromium } from '../../src/browser/chromium.ts';
import { describePageAdapter, webgpuAdapterInPage } from '../../src/browser/page-runner.ts';

const saved = process.env.PNET_CHROMIUM;
afterEach(() => {
  if (saved === undefined) delete process.env.PNET_CHROMIUM;
  else process.env.PNET_CHROMIUM = saved;
});

describe('findChromium', () => {
  it('honours PNET_CHROMIUM, and reports a path that does not exist as no Chromium', async () => {
    process.env.PNET_CHROMIUM = '/nonexistent/chromium';
    expect(findChromium()).toBeUndefined();
    expect(await chromiumProblem()).toMatch(/^Chromium not found \(install: /);
  });

  it('asks for WebGPU only when told to', () => {
    expect(chromiumArgs({ webgpu: true, userDataDir: '/tmp/p' })).toContain('--enable-unsafe-webgpu');
    expect(chromiumArgs({ webgpu: false, userDataDir: '/tmp/p' })).not.toContain('--enable-unsafe-webgpu');
  });
});

const executable = findChromium();
describe.skipIf(!executable)('launchChromium', () => {
  it('starts headless with a fresh profile and deletes it on close; no WebGPU adapter without the flag', async () => {
    // Profiles go under os.tmpdir(), which follows TMPDIR: a private one shows exactly what launch left behind.
    const tmp = await mkdtemp(join(tmpdir(), 'pnet-chromium-test-'));
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const context = await launchChromium(executable!, false);
      // Playwright keeps folders of its own there too; ours are the pnet-chromium-* ones.
      const profiles = async () => (await readdir(tmp)).filter((f) => f.startsWith('pnet-chromium-'));
      expect(await profiles()).toHaveLength(1);
      const page = await context.newPage();
      expect(await webgpuAdapterInPage(page)).toHaveProperty('problem');
      await context.close();
      expect(await profiles()).toEqual([]);
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('finds the WebGPU adapter with the flag and names an emulated one as such', async () => {
    const context = await launchChromium(executable!, true);
    try {
      const page = await context.newPage();
      const adapter = await webgpuAdapterInPage(page);
      if ('problem' in adapter) {
        console.warn(`no WebGPU adapter in Chromium here: ${adapter.problem}`);
        return;
      }
      const text = describePageAdapter(adapter);
      expect(text.length).toBeGreaterThan(3);
      if (/swiftshader/i.test(adapter.architecture + adapter.description)) expect(text).toContain('CPU emulation');
    } finally {
      await context.close();
    }
  });
});
