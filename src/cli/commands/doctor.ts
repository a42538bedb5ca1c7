import type { Argv } from 'yargs';
import type { PnetCommand } from '../command.ts';
// The probes only look for packages and files; importing TF.js or ONNX Runtime here would cost seconds.
import { listBackends } from '../../backend/probe.ts';
import { listExecutionProviders } from '../../../runtime/node/execution-providers.ts';
import { findChromium } from '../../browser/chromium.ts';
import { PNET_VERSION } from '../../core/version.ts';

interface DoctorArgs {
  json: boolean;
}

interface Check {
  name: string;
  available: boolean;
  detail: string;
}

function nodeCheck(): Check {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const ok = major > 20 || (major === 20 && minor >= 19);
  return { name: 'node', available: ok, detail: `v${process.versions.node}${ok ? '' : ' (pnet needs ≥ 20.19)'}` };
}

export const doctorCommand: PnetCommand<DoctorArgs> = {
  builder: (y: Argv) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'machine-readable output' })
      .example('$0 doctor', 'list backends and execution providers with how to get the missing ones'),
  handler: async ({ json }) => {
    const chromium = findChromium();
    const sections: Record<string, Check[]> = {
      runtime: [nodeCheck(), { name: 'pnet', available: true, detail: PNET_VERSION }],
      'TF.js backends (training)': await listBackends(),
      'ONNX Runtime execution providers (pnet infer)': await listExecutionProviders(),
      'browser (web tests, demo)': [
        chromium
          ? { name: 'chromium', available: true, detail: chromium }
          : {
              name: 'chromium',
              available: false,
              detail: 'not found; install with: apt-get install -y chromium (or set PNET_CHROMIUM)',
            },
      ],
    };
    if (json) {
      console.log(JSON.stringify(sections, null, 2));
      return 0;
    }
    for (const [title, checks] of Object.entries(sections)) {
      console.log(`${title}:`);
      for (const c of checks) console.log(`  ${c.available ? '✔' : '✘'} ${c.name.padEnd(12)} ${c.detail}`);
    }
    return 0;
  },
};

export const { builder, handler } = doctorCommand;
