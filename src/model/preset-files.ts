/** The shipped presets as Node reads them: models/<name>.json of the package. The browser fetches the same files. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../core/node/package-root.ts';
import { checkPresetName, type PresetSpec } from './spec.ts';

export function loadPreset(name: string): PresetSpec {
  checkPresetName(name);
  return JSON.parse(readFileSync(join(packageRoot(), 'models', `${name}.json`), 'utf8')) as PresetSpec;
}
