/** `npm run build:web`: builds dist/web/ (library, ONNX Runtime files, demo page). `--force` rebuilds everything. */
import { relative } from 'node:path';
import { ensureWebBundle } from './bundle.ts';

const result = await ensureWebBundle({ force: process.argv.includes('--force') });
const where = relative(process.cwd(), result.outDir) || '.';
console.log(result.built ? `built ${where}/ in ${Math.round(result.ms)} ms` : `${where}/ is up to date`);
