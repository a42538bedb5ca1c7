/** What `pnet infer` prints when it is done, and the exit code that goes with it. */
import type { SegmentationMetrics } from '../core/metrics.ts';
import { TRUTH_FORMAT_NAMES, type TruthFormat } from '../eval/truth-labels.ts';
import type { InferFormat } from './jobs.ts';

/** Exit code when some clouds failed and others were labelled. */
export const EXIT_PARTIAL_FAILURE = 2;

export interface InferSummary {
  /** Clouds written. */
  done: number;
  /** Inputs: cloud files plus inputs that matched nothing. */
  total: number;
  /** Inputs that failed, each already printed on stderr. */
  failures: number;
  /** Clouds labelled with a warning. */
  warnings: number;
  out: string;
  format: InferFormat;
  batch: number;
  executionProvider: string;
  /** The EP asked for could not run, so another did. */
  fellBack: boolean;
  /** How the work was spread over worker threads, when it was. */
  workSpread?: string;
  /** Wall time from the first cloud read to the last written. */
  seconds: number;
  /** Time in the model summed over the labelled clouds. */
  inferenceMs: number;
  loadMs: number;
  /** With --eval: the scores, and where the labels came from. */
  eval?: {
    metrics: SegmentationMetrics;
    classes: readonly string[];
    truthFormats: ReadonlyMap<TruthFormat, number>;
    withoutTruth: number;
  };
}

export function formatInferSummary(s: InferSummary): string {
  const lines = [
    `labelled ${s.done} of ${s.total} clouds → ${s.out} (${s.format}) on ${s.executionProvider}` +
      (s.fellBack ? ' (fallback)' : ''),
  ];
  if (s.workSpread) lines.push(s.workSpread);
  if (s.warnings > 0)
    lines.push(`  ${s.warnings} cloud(s) labelled with a warning (see above): their labels are not meaningful`);
  if (s.done > 0) {
    lines.push(
      `  ${(s.done / s.seconds).toFixed(1)} clouds/s overall, ${(s.inferenceMs / s.done).toFixed(1)} ms per cloud in the model ` +
        `(batch ≤ ${s.batch}); model load ${s.loadMs.toFixed(0)} ms`,
    );
  }
  if (s.eval) {
    const { metrics, classes, truthFormats, withoutTruth } = s.eval;
    if (metrics.shapes > 0) {
      const m = metrics.summary();
      const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
      const categories = Object.entries(m.categories);
      lines.push(
        `  eval on ${metrics.shapes} clouds with labels: accuracy ${pct(m.accuracy)}, instance mIoU ${pct(m.miou)}` +
          (categories.length > 1 ? `, class mIoU ${pct(m.classMiou)}` : '') +
          ` (every original point; ShapeNet part protocol)`,
      );
      for (const [format, n] of truthFormats) lines.push(`  eval labels: ${n} from ${TRUTH_FORMAT_NAMES[format]}`);
      const named = classes.map((name, k) => [name, m.partIou[k]!] as const).filter(([, v]) => Number.isFinite(v));
      lines.push(`  per-part IoU: ${named.map(([name, v]) => `${name} ${pct(v)}`).join(', ')}`);
    }
    if (withoutTruth > 0)
      lines.push(
        `  eval: ${withoutTruth} clouds have no label files (benchmark points_label/ or <name>.seg beside them)`,
      );
  }
  return lines.join('\n');
}

/** Prints the summary (stdout) and the failure count (stderr); returns the exit code. */
export function reportInfer(s: InferSummary): number {
  console.log(formatInferSummary(s));
  if (s.failures === 0) return 0;
  process.stderr.write(`pnet: ${s.failures} of ${s.total} inputs failed (see above)\n`);
  return s.done > 0 ? EXIT_PARTIAL_FAILURE : 1;
}
