/** The in-memory forms of a part-segmentation dataset, from parsed files to training batches. */

/** One point cloud as read from disk (raw coordinates, original point count). */
export interface Cloud {
  /** Shape id, the file stem (e.g. `1a04e3eab45ca15dd86060f189eb133`). */
  id: string;
  /** Category name as the dataset's metadata names it (e.g. `Airplane`). */
  category: string;
  /** xyz, 3 floats per point. */
  points: Float32Array;
  /** Class index per point (into `Dataset.classes.names`), or null for an unlabelled cloud. */
  labels: Int32Array | null;
  /** The points file this cloud came from (errors and reports name it). */
  source: string;
}

export type DatasetFormat = 'partannotation' | 'benchmark' | 'benchmark-normal';

export interface ClassTable {
  /** Class names in index order. One category: its part names, then `none`. Several: `Category/part`…, `none`. */
  names: string[];
  /** #rrggbb per class. */
  colors: string[];
  /** Category → the class indices of its parts (the parts ShapeNet mIoU averages over for a shape). */
  partsOf: Record<string, number[]>;
}

/** One problem found in the input; `pnet data check` lists them, loading skips the cloud (or throws with --strict). */
export interface DataProblem {
  file: string;
  line?: number;
  message: string;
}

export interface Dataset {
  root: string;
  format: DatasetFormat;
  categories: string[];
  classes: ClassTable;
  clouds: Cloud[];
  /** Official split (cloud ids) when the dataset ships split files; otherwise a seeded 80/20 split is used. */
  officialSplit?: { train: string[]; val: string[]; test: string[] };
  problems: DataProblem[];
}

/** A cloud after sampling to a fixed point count and normalising into the unit sphere. */
export interface PreparedCloud {
  id: string;
  category: string;
  points: Float32Array;
  labels: Int32Array;
}

/** A training batch as typed arrays: points [size, numPoints, 3], labels [size, numPoints]. */
export interface Batch {
  size: number;
  numPoints: number;
  points: Float32Array;
  labels: Int32Array;
}
