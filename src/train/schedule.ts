/** Staircase learning-rate decay: lr · factor^floor(epoch / every). */
export function learningRateAt(epoch: number, base: number, every: number, factor: number): number {
  return every > 0 ? base * factor ** Math.floor(epoch / every) : base;
}
