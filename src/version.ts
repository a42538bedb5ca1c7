import { readFileSync } from 'node:fs';

/** pnet's version, from package.json (recorded in checkpoints and ONNX metadata). */
export const PNET_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
