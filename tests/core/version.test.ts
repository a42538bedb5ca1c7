import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PNET_VERSION } from '../../src/core/version.ts';

describe('PNET_VERSION', () => {
  it("is package.json's version", () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(PNET_VERSION).toBe(manifest.version);
  });
});
