/**
 * Ctrl-C (SIGINT) and SIGTERM as one AbortSignal for a command that stops cleanly (training saves last.ckpt first):
 * a process manager's SIGTERM must not lose what Ctrl-C would keep. Installed by the CLI only, never by the library.
 */
import { constants } from 'node:os';

export interface StopSignals {
  readonly signal: AbortSignal;
  /** The exit code for a stop by signal: 128 + its number (130 for SIGINT, 143 for SIGTERM). */
  exitCode(): number;
  dispose(): void;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export function stopOnSignals(): StopSignals {
  const controller = new AbortController();
  let received: (typeof STOP_SIGNALS)[number] = 'SIGINT';
  const handlers = STOP_SIGNALS.map((name) => {
    const handler = () => {
      received = name;
      controller.abort(name);
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    exitCode: () => 128 + constants.signals[received],
    dispose: () => {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}
