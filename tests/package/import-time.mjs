#!/usr/bin/env node
// Import time of `pnet` against onnxruntime-node alone, in the project of the current directory:
// `node import-time.mjs [RUNS] [MAX_RATIO]`. Each import runs in a fresh process, the two alternated so a busy
// machine slows both alike; prints every time and the medians, and exits 1 when pnet's median is over MAX_RATIO
// times onnxruntime-node's.
import { execFileSync } from 'node:child_process';

const runs = Number(process.argv[2] ?? 7);
const maxRatio = Number(process.argv[3] ?? 2.5);
const SPECIFIERS = ['onnxruntime-node', 'pnet'];

function importMs(specifier) {
  const code = `const t = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - t);`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' }).trim());
}

const times = Object.fromEntries(SPECIFIERS.map((s) => [s, []]));
for (let i = 0; i < runs; i++) for (const s of SPECIFIERS) times[s].push(importMs(s));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const s of SPECIFIERS)
  console.log(
    `import('${s}'): median ${median(times[s]).toFixed(0)} ms (${times[s].map((t) => t.toFixed(0)).join(', ')})`,
  );
const ratio = median(times.pnet) / median(times['onnxruntime-node']);
console.log(`ratio ${ratio.toFixed(2)} (at most ${maxRatio})`);
if (!(ratio <= maxRatio)) process.exit(1);
