import type { Argv } from 'yargs';
import type { PnetCommand } from '../command.ts';
import { installCudaExecutionProvider } from '../../../runtime/node/cuda-install.ts';
import { CUDA_SETUP_COMMAND, onnxruntimeBinDir, probeCuda } from '../../../runtime/node/execution-providers.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

interface SetupArgs {
  target: 'cuda';
  force: boolean;
}

export const setupCommand: PnetCommand<SetupArgs> = {
  builder: (y: Argv) =>
    y
      .positional('target', { choices: ['cuda'] as const, demandOption: true, describe: 'what to install' })
      .option('force', { type: 'boolean', default: false, describe: 'download again even when already installed' })
      .example('$0 setup cuda', "run onnxruntime-node's installer for the CUDA 12 EP binaries (needs api.nuget.org)")
      .epilogue(
        'The CUDA EP also needs the NVIDIA driver, CUDA 12 and cuDNN 9 on the machine; `pnet doctor` shows what is missing.',
      ),
  async handler({ force }) {
    const binDir = onnxruntimeBinDir();
    if (!force && existsSync(join(binDir, 'libonnxruntime_providers_cuda.so'))) {
      console.log(`CUDA EP binaries are already installed in ${binDir} (--force downloads them again)`);
    } else {
      process.stderr.write(`running onnxruntime-node's installer with ONNXRUNTIME_NODE_INSTALL=cuda12…\n`);
      const files = await installCudaExecutionProvider();
      console.log(`installed ${files.join(', ')} in ${binDir}`);
    }
    const status = probeCuda();
    if (status.available) {
      console.log(`CUDA EP ready: ${status.detail}`);
    } else {
      const rest = status.problems.map((p, i) => `  - ${p}\n    fix: ${status.remedies[i]}`).join('\n');
      console.log(`the CUDA EP cannot run yet:\n${rest}`);
    }
    // Success of this command means the EP files are in place; the driver is the machine's business.
    return status.remedies.includes(CUDA_SETUP_COMMAND) ? 1 : 0;
  },
};

export const { builder, handler } = setupCommand;
