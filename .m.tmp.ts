import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm');
const a = tf.ones([32768, 2048]);
const s = tf.ones([2048]);
console.log('mul bcast', tf.sum(tf.mul(a, s)).dataSync());
console.log('add', tf.sum(tf.add(a, a)).dataSync());
const keep: tf.Tensor[] = [];
try { for (let i = 0; i < 40; i++) { keep.push(tf.ones([32768, 2048])); const b = (tf.backend() as any).wasm.HEAPU8.length; console.log(i, ((i + 2) * 0.268).toFixed(2), 'GB in tensors; heap', (b / 1e9).toFixed(2)); } } catch (e) { console.log('failed', (e as Error).message.slice(0, 200)); }
