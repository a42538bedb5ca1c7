/**
 * Entry of the prebuilt dist/web/pnet-web.js: `pnet/web` with its own, private copy of onnxruntime-web, pointed at
 * the ONNX Runtime files the build puts in ort/ beside it. Only this bundle's copy is configured, once, so a page's
 * other ONNX Runtime (and `pnet/web` bundled by the page itself, runtime/web/web-segmenter.ts) is left alone.
 */
import { env } from 'onnxruntime-web';

env.wasm.wasmPaths = new URL('./ort/', import.meta.url).href;

export * from './index.ts';
