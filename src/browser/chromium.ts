import { existsSync } from 'node:fs';

/** Where a system Chromium may live; pnet never downloads a browser. PNET_CHROMIUM overrides. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

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
