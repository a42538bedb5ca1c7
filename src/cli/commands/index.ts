import type { CommandEntry } from '../command.ts';

/** Every `pnet` command, in the order `--help` lists them; a command's module is loaded only when it runs. */
export const commands: CommandEntry[] = [
  {
    command: 'quickstart',
    describe: 'The whole pipeline in minutes on SYNTHETIC airplanes: data → train (lite) → export → infer → parity',
    load: () => import('./quickstart.ts'),
  },
  {
    command: 'data <action> [dir]',
    describe: 'Get, synthesise or validate part-segmentation data (fetch | synth | check)',
    load: () => import('./data.ts'),
  },
  {
    command: 'train',
    describe: 'Train a PointNet part-segmentation model with TensorFlow.js; writes a run directory with checkpoints',
    load: () => import('./train.ts'),
  },
  {
    command: 'eval <model>',
    describe:
      'Evaluate a run directory or checkpoint by the ShapeNet part protocol: accuracy, instance/class mIoU, per-part IoU, confusion matrix',
    load: () => import('./eval.ts'),
  },
  {
    command: 'export <source>',
    describe: 'Export a trained model (run directory or .ckpt) to one self-contained ONNX file',
    load: () => import('./export.ts'),
  },
  {
    command: 'infer <model> <inputs..>',
    describe: 'Label every point of .pts/.ply clouds with an exported ONNX model (onnxruntime-node, CPU or CUDA)',
    load: () => import('./infer.ts'),
  },
  {
    command: 'serve',
    describe: 'Serve the demo page: segment point clouds in the browser (WebGPU, WASM fallback)',
    load: () => import('./serve.ts'),
  },
  {
    command: 'parity [source]',
    describe:
      'Check that every runtime (TF.js backends, onnxruntime-node, onnxruntime-web in Node and Chromium) gives the same answers',
    load: () => import('./parity.ts'),
  },
  {
    command: 'setup <target>',
    describe: 'Install optional runtime pieces: `cuda` fetches the CUDA 12 execution provider of onnxruntime-node',
    load: () => import('./setup.ts'),
  },
  {
    command: 'doctor',
    describe: 'Show what this machine can run: Node, TF.js backends, ONNX Runtime EPs, Chromium',
    load: () => import('./doctor.ts'),
  },
];
