/**
 * What `train()` takes and gives, apart from the trainer so `pnet`'s public types (and a consumer's type check)
 * never reach TF.js: these import only modules whose declarations are plain data.
 */
import type { SelectedBackend } from '../backend/select.ts';
import type { TrainConfig } from './options.ts';
import type { EpochMetrics } from './run-dir.ts';

/** The recipe: every TrainConfig field but where the data is. Defaults: TRAIN_DEFAULTS (and the preset's). */
export type TrainRecipe = Partial<Omit<TrainConfig, 'data' | 'categories'>>;

/** One optimizer step, as the progress bar shows it. */
export interface TrainStepProgress {
  /** 1-based epoch, and the epoch count the run trains to. */
  epoch: number;
  epochs: number;
  /** 1-based step within the epoch, and the steps in it. */
  batch: number;
  batches: number;
  /** Optimizer steps since the run began (a resumed run goes on counting). */
  step: number;
  /** Mean loss of this step's batch. */
  loss: number;
  /** Training throughput of the epoch so far. */
  cloudsPerSecond: number;
}

/** How a call reports, stops and runs, whether it starts a run or resumes one. */
export interface TrainCallOptions {
  /** Run directory to create (or, with `resume`, to continue). */
  out: string;
  /** A progress bar on stderr (default true). */
  progress?: boolean;
  /** Status lines (backend, data, epoch summaries); default stderr. */
  log?: (line: string) => void;
  /** After every optimizer step: the figures the progress bar shows. */
  onStep?: (step: TrainStepProgress) => void;
  /** After every epoch: its record, as history.json gets it. */
  onEpoch?: (record: EpochMetrics) => void;
  /** Stop after the current step, save last.ckpt, and throw INTERRUPTED (already aborted: nothing is started). */
  signal?: AbortSignal;
  /** Threads each step is split across (not part of the run's config: a resumed run may use another count). */
  workers?: number;
  /** Stop (as if interrupted, without throwing) after this many steps in this call; for tests. */
  stopAfterSteps?: number;
}

/** A new run in `out`: the dataset and the recipe. */
export interface NewRunOptions extends TrainCallOptions, TrainRecipe {
  resume?: false;
  /** Dataset folder (any supported layout). */
  data: string;
  /** Categories to train on; default every category of the dataset. */
  categories?: string[];
}

/**
 * Continue the run in `out` from its last.ckpt. `epochs` is the total to reach; `data` points at a moved dataset
 * (it must hold the same clouds); recipe options that differ from the run's are refused.
 */
export interface ResumeRunOptions extends TrainCallOptions, TrainRecipe {
  resume: true;
  data?: string;
  categories?: string[];
}

/** `train()`'s options: a new run, or a resumed one. */
export type TrainOptions = NewRunOptions | ResumeRunOptions;

/** Either form with `resume` decided at run time (as the CLI's flags decide it); `train()` checks what it needs. */
export interface TrainRequest extends TrainCallOptions, TrainRecipe {
  resume?: boolean;
  data?: string;
  categories?: string[];
}

export interface TrainResult {
  runDir: string;
  backend: SelectedBackend;
  epochsCompleted: number;
  steps: number;
  history: EpochMetrics[];
  best: { epoch: number; valMiou: number };
  interrupted: boolean;
}
