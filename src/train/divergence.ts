/**
 * Training stops the moment a step's loss or any gradient is not finite: Adam would carry NaN into every weight,
 * and every checkpoint, export and prediction after it would be silently meaningless.
 */
import * as tf from '@tensorflow/tfjs';
import { PnetError } from '../core/errors.ts';
import { lendsViews, tensorValues } from './tensor-values.ts';

/** Thrown by a training step before it updates any weight, so the model (and what is on disk) stays good. */
export class NonFiniteStep extends Error {
  constructor(
    readonly what: 'loss' | 'gradient',
    readonly value: number,
  ) {
    super(`non-finite ${what} (${value})`);
  }
}

/** The first element of `values` that is NaN or ±Infinity, if any. */
export function firstNonFinite(values: Float32Array): number | undefined {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return values[i];
  return undefined;
}

/**
 * A non-finite element of the gradients, if any. On wasm the gradients are read where they lie; elsewhere (a GPU)
 * one number comes back instead of every gradient, Σ|g|, non-finite exactly when some element is (or it
 * overflows), and the element itself is not known (NaN).
 */
export function nonFiniteGradient(grads: Record<string, tf.Tensor>): number | undefined {
  if (lendsViews()) {
    for (const g of Object.values(grads)) {
      const bad = firstNonFinite(tensorValues(g));
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  const total = tf.tidy(() => tf.addN(Object.values(grads).map((g) => tf.sum(tf.abs(g)))));
  const sum = total.dataSync()[0]!;
  total.dispose();
  return Number.isFinite(sum) ? undefined : Number.NaN;
}

/** Where a step ran, and what holds the last good state (undefined: no checkpoint was kept yet). */
export interface StepPlace {
  epoch: number;
  batch: number;
  step: number;
  lastGood: string | undefined;
}

/** The one-line error for a diverged step: which step, and which checkpoint is the last good state. */
export function divergedError(e: NonFiniteStep, where: StepPlace): PnetError {
  const good =
    where.lastGood !== undefined ? `the last good state is ${where.lastGood}` : 'no checkpoint was written yet';
  return new PnetError(
    'DIVERGED',
    `training stopped at step ${where.step} (epoch ${where.epoch}, batch ${where.batch}): ${e.message}; ${good}`,
    { remedy: 'lower --lr, or check the data for extreme coordinates (`pnet data check --strict`)' },
  );
}

/** Runs one training step; a non-finite loss or gradient becomes the one-line DIVERGED error naming the step. */
export async function guardStep<T>(step: () => T | Promise<T>, where: () => StepPlace): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof NonFiniteStep) throw divergedError(e, where());
    throw e;
  }
}
