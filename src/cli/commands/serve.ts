import type { Argv } from 'yargs';
import type { PnetCommand } from '../command.ts';
import { DEFAULT_HOST, DEFAULT_PORT, NO_MODEL_HELP, startServer } from '../../serve/index.ts';

interface ServeArgs {
  model?: string;
  port: number;
  host: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export const serveCommand: PnetCommand<ServeArgs> = {
  builder: (y: Argv) =>
    y
      .option('model', {
        type: 'string',
        describe:
          'the .onnx model the page loads [default: models/airplane.onnx (real ShapeNet airplanes), else models/demo.onnx]',
      })
      .option('port', { type: 'number', default: DEFAULT_PORT, describe: 'port to listen on (0: any free port)' })
      .option('host', {
        type: 'string',
        default: DEFAULT_HOST,
        describe: 'address to bind; other than loopback exposes the page to the network',
      })
      .example('$0 serve', 'serve models/airplane.onnx at http://127.0.0.1:8080/')
      .example('$0 serve --model runs/lite/model.onnx --port 9000', 'serve another model on another port')
      .example('$0 serve --host 0.0.0.0', 'let other machines on the network open the page'),
  handler: async ({ model, port, host }) => {
    const server = await startServer({ model, port, host, log: (line) => process.stderr.write(`${line}\n`) });
    console.log(`pnet demo: ${server.url}`);
    console.log(server.model ? `  model: ${server.model}` : `  ${NO_MODEL_HELP.replace(/`/g, '')}`);
    if (!LOOPBACK.has(host)) console.log(`  listening on ${host}: reachable from other machines on the network`);
    console.log('  Ctrl-C to stop');
    await new Promise<void>((done) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        done();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.close();
    return 0;
  },
};

export const { builder, handler } = serveCommand;
