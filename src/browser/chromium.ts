import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { PnetError } from '../core/errors.ts';

/** Where a system Chromium may live; pnet never downloads a browser. PNET_CHROMIUM overrides. */
const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

export const CHROMIUM_INSTALL_HINT = 'install: apt-get install -y chromium, or set PNET_CHROMIUM';

export function findChromium(): string | undefined {
  const fromEnv = process.env.PNET_CHROMIUM;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

/** Flags that start headless Chromium on a machine without a display or network, with WebGPU (SwiftShader). */
export function chromiumArgs(options: { webgpu: boolean; userDataDir: string }): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    `--user-data-dir=${options.userDataDir}`,
    ...(options.webgpu ? ['--enable-unsafe-webgpu'] : []),
  ];
}

/** playwright-core, an optional peer dependency: loaded only when a browser is started. */
async function loadPlaywright(): Promise<typeof import('playwright-core')> {
  try {
    return await import('playwright-core');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    throw new PnetError(
      'NOT_FOUND',
      'driving Chromium needs the optional package playwright-core, which is not installed',
      {
        remedy: 'npm install playwright-core',
      },
    );
  }
}

/**
 * Starts headless Chromium with a fresh profile. Playwright takes the profile folder itself rather than as
 * --user-data-dir. Closing the returned context also deletes the profile.
 */
export async function launchChromium(executable: string, webgpu: boolean): Promise<BrowserContext> {
  const { chromium } = await loadPlaywright();
  const userDataDir = await mkdtemp(join(tmpdir(), 'pnet-chromium-'));
  const args = chromiumArgs({ webgpu, userDataDir }).filter((a) => !a.startsWith('--user-data-dir='));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: executable,
      headless: true,
      args,
      viewport: { width: 1280, height: 800 },
    });
  } catch (e) {
    await rm(userDataDir, { recursive: true, force: true });
    throw e;
  }
  const close = context.close.bind(context);
  context.close = async (options) => {
    try {
      await close(options);
    } finally {
      await rm(userDataDir, { recursive: true, force: true });
    }
  };
  return context;
}

/** Why headless Chromium cannot run here (missing, or fails to start), or undefined when it starts. */
export async function chromiumProblem(): Promise<string | undefined> {
  const executable = findChromium();
  if (!executable) return `Chromium not found (${CHROMIUM_INSTALL_HINT})`;
  try {
    const context = await launchChromium(executable, false);
    await context.close();
    return undefined;
  } catch (e) {
    return `Chromium at ${executable} does not start: ${(e as Error).message.split('\n')[0]}`;
  }
}
