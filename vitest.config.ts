import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // TF.js and ONNX Runtime both want the 2 cores; one file at a time keeps timings sane.
    fileParallelism: false,
    reporters: ['default'],
  },
});
