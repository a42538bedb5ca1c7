/**
 * What an inference-only install (`npm i pnet --omit=optional`) leaves out is named in one place, and a command or
 * call that needs a missing package fails in one line saying how to get it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PnetError } from '../../src/core/errors.ts';
import { loadOptional, OPTIONAL_PACKAGES } from '../../src/core/node/optional-packages.ts';
import { REPO_ROOT } from '../paths.ts';

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  optionalDependencies: Record<string, string>;
};

describe('optional packages', () => {
  it("are package.json's optionalDependencies", () => {
    expect([...OPTIONAL_PACKAGES].sort()).toEqual(Object.keys(manifest.optionalDependencies).sort());
  });

  it('a missing one becomes a BACKEND_UNAVAILABLE error naming the package and the install command', async () => {
    const missing = Object.assign(new Error("Cannot find package '@tensorflow/tfjs' imported from /x/y.js"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const e = await loadOptional('pnet train', () => Promise.reject(missing)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PnetError);
    expect((e as PnetError).code).toBe('BACKEND_UNAVAILABLE');
    expect((e as PnetError).describe()).toMatch(
      /^pnet train needs @tensorflow\/tfjs, which this install of pnet left out\n {2}fix: .*npm i pnet/,
    );
    // Anything else passes through unchanged.
    const other = new Error("Cannot find package 'left-pad'");
    await expect(loadOptional('pnet train', () => Promise.reject(other))).rejects.toBe(other);
  });
});
