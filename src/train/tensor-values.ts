/** Reading a tensor's values without a copy where the backend allows it. */
import * as tf from '@tensorflow/tfjs';

interface HeapBackend {
  typedArrayFromHeap?: (t: tf.TensorInfo) => Float32Array;
}

/** Whether the active backend lends views of its memory (wasm) rather than keeping the arrays it is given (cpu). */
export function lendsViews(): boolean {
  return typeof (tf.backend() as HeapBackend).typedArrayFromHeap === 'function';
}

/**
 * A float32 tensor's values: on wasm a view of the heap, valid only until the next tensor allocation; elsewhere
 * `dataSync()`. Read-only either way.
 */
export function tensorValues(t: tf.Tensor): Float32Array {
  const backend = tf.backend() as HeapBackend;
  return (backend.typedArrayFromHeap ? backend.typedArrayFromHeap(t) : t.dataSync()) as Float32Array;
}
