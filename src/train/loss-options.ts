/**
 * How a run's loss is formed, as plain data: it travels to the step workers in their setup, so it is declared apart
 * from loss.ts and the public types reach no TF.js declaration through it.
 */
export interface LossOptions {
  /** ε: each point's target is (1 − ε) on its label plus ε spread evenly over every class; 0 is plain. */
  labelSmoothing: number;
  /** A weight per class for the points of that class (loss.ts's partWeights); absent: every point counts the same. */
  classWeights?: number[];
}

export const PLAIN_LOSS: LossOptions = { labelSmoothing: 0 };
