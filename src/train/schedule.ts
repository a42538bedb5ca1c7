/** Learning-rate schedules, by epoch. */

/** Staircase decay: lr · factor^floor(epoch / every). */
export function learningRateAt(epoch: number, base: number, every: number, factor: number): number {
  return every > 0 ? base * factor ** Math.floor(epoch / every) : base;
}

/** Cosine decay from base (epoch 0) towards 1% of base at the last epoch; one rate per epoch. */
export function cosineRateAt(epoch: number, base: number, epochs: number): number {
  const floor = 0.01 * base;
  const t = epochs > 1 ? epoch / (epochs - 1) : 0;
  return floor + (base - floor) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, t)));
}
