#!/usr/bin/env node
// Entry point of the `pnet` binary. In a checkout (the sources next to bin/) it loads the TypeScript sources through
// tsx, so no build step is needed and a stale dist/ never shadows edited sources; in the installed package, which
// ships no sources, it runs the build in dist/.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// onnxruntime-node's native code crashes (SIGSEGV) creating a session when the process's command line is long,
// as a shell-expanded `clouds/*.pts` of a few hundred files makes it. Such a command line is handed to a fresh
// process through the environment instead, with a short command line of its own.
const ARGV_ENV = 'PNET_ARGV_JSON';
const LONG_COMMAND_LINE = 8 * 1024;
let args = process.argv.slice(2);
if (process.env[ARGV_ENV] !== undefined) {
  args = JSON.parse(process.env[ARGV_ENV]);
  delete process.env[ARGV_ENV];
} else if (args.reduce((n, a) => n + a.length + 1, 0) > LONG_COMMAND_LINE) {
  // The child runs in a process group of its own, so each stop signal reaches it exactly once, from here: a
  // terminal's Ctrl-C, a `kill` of this process and a process manager's SIGTERM alike (it then saves and exits).
  // The handlers go in before the child exists: a signal that came between the spawn and them would kill this
  // process by default and leave the child running on its own. (Handlers run after this synchronous code.)
  let child;
  for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(name, () => child.kill(name));
  child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, [ARGV_ENV]: JSON.stringify(args) },
  });
  const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
}

const sources = new URL('../src/cli/main.ts', import.meta.url);
let main;
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(sources.href));
} else {
  ({ main } = await import('../dist/src/cli/main.js'));
}
process.exitCode = await main(args);
