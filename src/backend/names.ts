/** The TF.js backends pnet can train on, fastest first (the order `auto` tries them in). */
export const BACKEND_NAMES = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
/** What `--backend` takes: a backend, or `auto` for the fastest present. */
export const BACKEND_REQUESTS = ['auto', ...BACKEND_NAMES] as const;
export type BackendRequest = (typeof BACKEND_REQUESTS)[number];

/** The npm packages behind `tensorflow`, preferred first. Optional: installed by the user, never required here. */
export const TFJS_NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

export const INSTALL_REMEDY: Record<BackendName, string> = {
  tensorflow:
    'npm install @tensorflow/tfjs-node (or @tensorflow/tfjs-node-gpu with CUDA 11.2 + cuDNN 8); it downloads libtensorflow at install time',
  webgpu:
    'needs a GPU with a Vulkan driver (libvulkan.so.1); `--backend webgpu` also accepts a software adapter such as SwiftShader (LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)',
  wasm: 'npm install @tensorflow/tfjs-backend-wasm',
  cpu: 'npm install @tensorflow/tfjs',
};
