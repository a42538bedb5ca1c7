/**
 * onnxruntime-node's Linux build carries Microsoft's 1DS telemetry library (cpp_client_telemetry). When ORT's
 * environment is first created, that library reads /proc/self/cmdline and matches it against the std::regex
 * `(.*)[ ]*.*[\n]*` (lib/pal/posix/sysinfo_sources.cpp); libstdc++'s regex executor recurses once per character,
 * about 300 bytes of stack each, so a command line of ~29 KB overflows an 8 MiB main-thread stack and the process
 * dies with SIGSEGV (exit 139), whatever the script does. ORT keeps that environment for the life of the process
 * once any thread has made it (onnxruntime-node never deletes it when a worker thread ends), so in a process with a
 * long command line a worker thread whose stack is sized for it makes the environment first.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Command lines up to this length need under 1.3 MB of stack, well within any thread Node starts. */
const LONG_COMMAND_LINE = 4096;
/** Stack given to the worker per byte of command line: over 3× the ~290 bytes measured with ORT 1.30. */
const STACK_PER_BYTE = 1024;

let prepared: Promise<void> | undefined;

/** Makes ORT's process-wide environment on a thread with stack enough for the command line; once per thread. */
export function prepareOrtEnvironment(): Promise<void> {
  prepared ??= prepare();
  return prepared;
}

async function prepare(): Promise<void> {
  const length = await readFile('/proc/self/cmdline').then(
    (b) => b.length,
    () => 0, // not Linux: the telemetry library reads no command line there
  );
  if (length <= LONG_COMMAND_LINE) return;
  const ortEntry = createRequire(import.meta.url).resolve('onnxruntime-node');
  // A session from no bytes fails, but only after ORT has made its environment, which is all this is for.
  const code =
    `const ort = require(${JSON.stringify(ortEntry)}); ort.env.logLevel = 'fatal';` +
    'ort.InferenceSession.create(new Uint8Array(0)).catch(() => undefined);';
  const worker = new Worker(code, {
    eval: true,
    resourceLimits: { stackSizeMb: Math.ceil((length * STACK_PER_BYTE) / 2 ** 20) + 16 },
  });
  await new Promise<void>((resolve) => {
    worker.on('error', () => undefined);
    worker.once('exit', () => resolve());
  });
}
