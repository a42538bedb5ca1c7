/** The shapes shared by the parity matrix: clouds in, one row per runtime out. */

export interface ParityCloud {
  name: string;
  /** Raw xyz, 3 floats per point (not normalised: each runtime applies its own preprocessing). */
  xyz: Float32Array;
}

/** What one runtime produced for one cloud. */
export interface CloudOutput {
  /** [numPoints, classes] row-major. */
  probabilities: Float32Array;
  labels: Int32Array;
}

export interface ParityTolerance {
  /** Largest allowed |p − p_ref| over every point and class. */
  maxAbsDiff: number;
  /** Smallest allowed fraction of points whose label equals the reference label. */
  labelAgreement: number;
}

/** `reference` is the row every other row is compared with. */
export type ParityStatus = 'reference' | 'pass' | 'fail' | 'skipped';

export interface ParityRow {
  /** e.g. `TF.js cpu`, `onnxruntime-node cpu`, `onnxruntime-web webgpu (Chromium)`. */
  runtime: string;
  status: ParityStatus;
  /** Max |Δ probability| against the reference; absent when the row did not run. */
  maxAbsDiff?: number;
  /** Fraction (0–1) of points whose label equals the reference label. */
  labelAgreement?: number;
  /** Mean wall time of one cloud, after one warm-up run. */
  msPerCloud?: number;
  tolerance?: ParityTolerance;
  /** Why a row was skipped or failed, or what it ran on (adapter, threads). */
  note?: string;
}

/** A runtime's outputs for every cloud, or why it could not run on this machine. */
export type RuntimeOutcome =
  | {
      ran: true;
      outputs: CloudOutput[];
      msPerCloud: number /** Time of each measured cloud. */;
      msEach: number[];
      note?: string;
    }
  | { ran: false; reason: string };
