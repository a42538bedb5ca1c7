/** Which clouds `evaluate` scores; a leaf module so `pnet` can export the list without loading the evaluator. */
export const EVAL_SPLITS = ['all', 'train', 'val', 'test'] as const;
export type EvalSplit = (typeof EVAL_SPLITS)[number];
