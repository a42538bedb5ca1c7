/**
 * Inference-time weights: batch norm folded into the preceding pointwise conv / dense layer, so the exported
 * graph is MatMul + Add (+ ReLU) per block and has no normalisation nodes.
 *
 *   BN(x·W + b) = s ⊙ (x·W + b − mean) + beta,   s = gamma / sqrt(moving_variance + epsilon)
 *              = x·(W·diag(s)) + (s ⊙ (b − mean) + beta)
 *
 * Folding is done in float64 and rounded to float32 once.
 */
import { PnetError } from '../../src/core/errors.ts';
import { paramSpecs, type BlockSpec, type ModelArchitecture, type WeightMap } from '../../src/model/spec.ts';

/** A layer as y = x·kernel + bias; kernel is row-major [inputs, outputs]. */
export interface AffineWeights {
  inputs: number;
  outputs: number;
  kernel: Float32Array;
  bias: Float32Array;
}

/** Every parameter the layout names must be present with its exact shape. */
export function checkWeights(architecture: ModelArchitecture, weights: WeightMap): void {
  for (const p of paramSpecs(architecture)) {
    const w = weights.get(p.name);
    if (!w) {
      throw new PnetError('BAD_CHECKPOINT', `weight "${p.name}" is missing (preset ${architecture.preset.name})`, {
        remedy: 'export a checkpoint written by this pnet version for the same preset and class count',
      });
    }
    const sameShape = w.shape.length === p.shape.length && w.shape.every((d, i) => d === p.shape[i]);
    const expected = p.shape.reduce((a, b) => a * b, 1);
    if (!sameShape || w.data.length !== expected) {
      throw new PnetError(
        'BAD_CHECKPOINT',
        `weight "${p.name}" has shape [${w.shape}] (${w.data.length} values), expected [${p.shape}]`,
        { remedy: 'the checkpoint does not match its preset/classes; train or export with matching settings' },
      );
    }
  }
}

function get(weights: WeightMap, name: string): Float32Array {
  const w = weights.get(name);
  if (!w) throw new PnetError('BAD_CHECKPOINT', `weight "${name}" is missing`);
  return w.data;
}

/** A dense / pointwise layer without batch norm (T-Net `final`, `seg/head`). */
export function plainLayer(weights: WeightMap, prefix: string, inputs: number, outputs: number): AffineWeights {
  return { inputs, outputs, kernel: get(weights, `${prefix}/kernel`), bias: get(weights, `${prefix}/bias`) };
}

/** A conv/dense block with its batch norm folded in. */
export function foldedBlock(weights: WeightMap, block: BlockSpec, epsilon: number): AffineWeights {
  const { prefix, inputs, outputs } = block;
  const kernel = get(weights, `${prefix}/kernel`);
  const bias = get(weights, `${prefix}/bias`);
  const gamma = get(weights, `${prefix}/bn/gamma`);
  const beta = get(weights, `${prefix}/bn/beta`);
  const mean = get(weights, `${prefix}/bn/moving_mean`);
  const variance = get(weights, `${prefix}/bn/moving_variance`);
  const scale = new Float64Array(outputs);
  const foldedBias = new Float32Array(outputs);
  for (let o = 0; o < outputs; o++) {
    scale[o] = gamma[o]! / Math.sqrt(variance[o]! + epsilon);
    foldedBias[o] = scale[o]! * (bias[o]! - mean[o]!) + beta[o]!;
  }
  const foldedKernel = new Float32Array(inputs * outputs);
  for (let i = 0; i < inputs; i++) {
    const row = i * outputs;
    for (let o = 0; o < outputs; o++) foldedKernel[row + o] = kernel[row + o]! * scale[o]!;
  }
  return { inputs, outputs, kernel: foldedKernel, bias: foldedBias };
}

/** Rows [from, to) of a layer's kernel: the part that multiplies those input features. */
export function kernelRows(layer: AffineWeights, from: number, to: number): Float32Array {
  return layer.kernel.slice(from * layer.outputs, to * layer.outputs);
}
