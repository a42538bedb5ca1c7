/** The static server behind `pnet serve` (demo page, browser runtime, one model). */
export {
  startServer,
  DEFAULT_HOST,
  DEFAULT_MODEL,
  DEFAULT_PORT,
  NO_MODEL_HELP,
  type RunningServer,
  type ServeOptions,
} from './server.ts';
export { mimeTypeFor } from './mime-types.ts';
export { lookupStatic, type StaticLookup } from './static-path.ts';
