/** pnet with Triton Inference Server (`import … from 'pnet/triton'`): export a model-repository entry, and segment through a server. */
export * from '../exporters/triton/index.ts';
export * from '../runtime/triton/index.ts';
