// Entry of a training step worker. Worker threads start without the parent's module hooks, so register tsx here
// before loading the TypeScript code (resolved beside this file, whatever the working directory is).
import { register } from 'tsx/esm/api';

register();
await import('./step-worker.ts');
