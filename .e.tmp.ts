import { synthesizeDataset } from './src/data/synth.ts';
import { trainCommand } from './src/cli/commands/train.ts';
import { evalCommand } from './src/cli/commands/eval.ts';
await synthesizeDataset('/tmp/pn/synth', { count: 40, seed: 2 });
const t0 = performance.now();
console.log('rc', await trainCommand.handler({ data: '/tmp/pn/synth', category: ['Airplane'], preset: 'lite', epochs: 2, out: '/tmp/pn/run' } as any), ((performance.now() - t0) / 1000).toFixed(1), 's');
console.log('rc', await evalCommand.handler({ model: '/tmp/pn/run', data: '/tmp/pn/synth', backend: 'wasm', json: false } as any));
