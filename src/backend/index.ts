/** TF.js backend discovery and selection. */
export { BACKEND_NAMES, BACKEND_REQUESTS, type BackendName, type BackendRequest } from './names.ts';
export { listBackends, selectBackend, releaseBackend, type SelectedBackend } from './select.ts';
export type { BackendProbe } from './probe.ts';
