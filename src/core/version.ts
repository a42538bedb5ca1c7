/**
 * pnet's version, recorded in checkpoints and ONNX metadata. A constant rather than a read of package.json so that
 * the browser build (which has no file system) writes the same metadata as Node; tests/core/version.test.ts keeps
 * it equal to package.json's.
 */
export const PNET_VERSION = '0.1.0';
