/**
 * The training-mode layers of PointNet in two interchangeable formulations:
 *
 * - `FAST_OPS` writes the gradients out by hand (tf.customGrad) so the backward pass uses only what the TF.js CPU
 *   backends do fast: plain 2-D matMuls after an explicit `tf.transpose` (the default MatMul gradient uses the
 *   transposeA/transposeB kernels, ~50× slower on wasm), column sums as average pools (reducing axis 0 makes
 *   wasm transpose the whole tensor), per-cloud 2-D products instead of rank-3 batched matMuls, no concat, split
 *   or unstack of wide tensors (wasm copies the whole input per piece), and the layers that feed a max-pool as one
 *   pooled block whose backward pass works at the arg-max winners.
 * - `PLAIN_OPS` is the textbook formulation left to TF.js autograd (tile + concat for the global feature,
 *   batched matMul for the transforms). It exists to check `FAST_OPS` (tests compare the gradients) and to
 *   measure what the rewrite buys.
 *
 * Batch norm in training normalises with the batch statistics over all rows (B·N for pointwise convs, B for
 * dense layers) and reports them so the caller can update the moving statistics. The layer bias is left out of
 * the training forward: batch norm subtracts the batch mean, so the bias cancels exactly and its gradient is 0;
 * the caller adds it back to the reported mean for the moving mean.
 */
import * as tf from '@tensorflow/tfjs';

export interface BatchStats {
  /** Batch mean of x·W (without the bias), [C]. */
  mean: tf.Tensor1D;
  /** Biased batch variance, [C]. */
  variance: tf.Tensor1D;
}

/**
 * Sums per-channel values across the workers that share one batch (data-parallel training). Every worker calls it
 * with vectors of the same length in the same order; all of them get the same sums back.
 */
export interface ColumnReducer {
  allReduce(values: Float32Array): Float32Array;
  /** Every worker's vector, in worker order. */
  allGather(values: Float32Array): Float32Array[];
}

export interface BlockArgs {
  x: tf.Tensor2D;
  kernel: tf.Tensor2D;
  gamma: tf.Tensor1D;
  beta: tf.Tensor1D;
  epsilon: number;
  /**
   * A per-cloud term added to every point of its cloud before batch norm, [B, C] (the global feature times its
   * kernel rows). Rows of `x` are cloud-major: row b·N + n is point n of cloud b.
   */
  perCloud?: { term: tf.Tensor2D; clouds: number };
  /** Receives the batch statistics (kept tensors; the receiver disposes them). */
  onStats?: (stats: BatchStats) => void;
}

export interface LayerOps {
  /** relu(batchnorm_train(x·W [+ per-cloud term])). */
  block(args: BlockArgs): tf.Tensor2D;
  /** x·W + b without normalisation (T-Net final layer, seg head). */
  linear(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D;
  /** Max over the points of each cloud of block(args): [B·N, K] → [B, C]. */
  pooledBlock(args: BlockArgs, clouds: number): tf.Tensor2D;
  /** Per-cloud product x_b·A_b: [B, N, k] × [B, k, m] → [B, N, m]. */
  transform(x: tf.Tensor3D, a: tf.Tensor3D): tf.Tensor3D;
  /**
   * The seg head's hidden layer over the concat [local parts…, broadcast(global)]: `kernel` rows follow that
   * order, the last `global.shape[1]` rows multiply the global feature.
   */
  segHidden(local: tf.Tensor2D[], global: tf.Tensor2D, args: Omit<BlockArgs, 'x' | 'perCloud'>): tf.Tensor2D;
}

type Saved = tf.Tensor[];

/**
 * Runs a gradient body in its own tidy scope and frees the incoming gradient afterwards. TF.js keeps everything
 * a customGrad gradient creates, and every upstream gradient, alive until the whole backward pass ends; at
 * batch 32 × 1024 points that overflows the 4 GB wasm heap. Each output's gradient is read by its producing node
 * only, so it can go as soon as that node is done.
 */
function releasing(dy: tf.Tensor, body: () => tf.Tensor[]): tf.Tensor[] {
  const grads = tf.tidy(body);
  dy.dispose();
  return grads;
}

/**
 * Column sums of a [M, C] matrix, [1, C]. Over many rows: two average pools (windows of up to 128 rows, then the
 * window means) times M. Pooling reads the rows in order, channels innermost: on wasm ~12× faster than the
 * matrix-vector product xᵀ·1 and ~25× faster than tf.sum(x, 0) (which transposes all of x first), and the two
 * stages round less than one long running sum. XNNPACK's multi-pass pooling keeps a row of C floats on the wasm
 * stack, which overflows for the T-Nets' k² = 16384 outputs; those (few rows) take the matrix-vector product.
 */
function columnSums(x: tf.Tensor2D): tf.Tensor2D {
  const [rows, c] = x.shape;
  if (rows < POOLED_SUM_MIN_ROWS || c > POOLED_SUM_MAX_CHANNELS)
    return tf.tidy(() => tf.reshape(tf.matMul(x, tf.ones([rows, 1]), true, false), [1, c]) as tf.Tensor2D);
  return tf.tidy(() => {
    const window = largestDivisorUpTo(rows, 128);
    const pooled = tf.avgPool(tf.reshape(x, [1, rows, 1, c]) as tf.Tensor4D, [window, 1], [window, 1], 'valid');
    const mean = window === rows ? pooled : tf.avgPool(pooled, [rows / window, 1], 1, 'valid');
    return tf.reshape(tf.mul(mean, rows), [1, c]) as tf.Tensor2D;
  });
}

const POOLED_SUM_MIN_ROWS = 256;
const POOLED_SUM_MAX_CHANNELS = 4096;

function largestDivisorUpTo(n: number, limit: number): number {
  for (let d = Math.min(n, limit); d > 1; d--) if (n % d === 0) return d;
  return 1;
}

/** x·Wᵀ with the transpose made explicit (small W). */
function matMulTransposedB(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(x, tf.transpose(w));
}

/** xᵀ·y for tall x [M, K] and y [M, C]: transpose whichever of the two is narrower. */
function matMulTransposedA(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  if (x.shape[1] <= y.shape[1]) return tf.matMul(tf.transpose(x), y);
  return tf.transpose(tf.matMul(tf.transpose(y), x)) as tf.Tensor2D;
}

function sumPerCloud(x: tf.Tensor2D, clouds: number): tf.Tensor2D {
  const [rows, c] = x.shape;
  return tf.sum(tf.reshape(x, [clouds, rows / clouds, c]), 1) as tf.Tensor2D;
}

function addPerCloud(x: tf.Tensor2D, term: tf.Tensor2D, clouds: number): tf.Tensor2D {
  const [rows, c] = x.shape;
  return tf.reshape(tf.add(tf.reshape(x, [clouds, rows / clouds, c]), tf.reshape(term, [clouds, 1, c])), [
    rows,
    c,
  ]) as tf.Tensor2D;
}

/**
 * Sums [C] tensors across the workers of a step: one reduction for all of them, so a block waits on the other
 * workers once per use rather than once per statistic.
 */
function reduceAcross(reducer: ColumnReducer, parts: tf.Tensor[]): tf.Tensor1D[] {
  const local = parts.map((t) => t.dataSync() as Float32Array);
  const packed = new Float32Array(local.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of local) {
    packed.set(a, at);
    at += a.length;
  }
  const total = reducer.allReduce(packed);
  at = 0;
  return local.map((a) => {
    const t = tf.tensor1d(total.subarray(at, at + a.length));
    at += a.length;
    return t;
  });
}

/**
 * Batch mean and biased variance of z's columns over the whole batch. With a reducer, each worker's own mean and
 * variance are gathered and combined exactly (Chan et al.): one wait per block instead of one for the mean and
 * another for the variance, without the cancellation of Σz² − M·mean².
 */
function batchMoments(
  z: tf.Tensor2D,
  reducer?: ColumnReducer,
): { mean: tf.Tensor1D; variance: tf.Tensor1D; rows: number } {
  const [rows, c] = z.shape;
  const mean = tf.tidy(() => tf.reshape(tf.div(columnSums(z), rows), [-1]) as tf.Tensor1D);
  const variance = tf.tidy(
    () => tf.reshape(tf.div(columnSums(tf.square(tf.sub(z, mean)) as tf.Tensor2D), rows), [-1]) as tf.Tensor1D,
  );
  if (!reducer) return { mean, variance, rows };
  const packed = new Float32Array(2 * c + 1);
  packed.set(mean.dataSync() as Float32Array, 0);
  packed.set(variance.dataSync() as Float32Array, c);
  packed[2 * c] = rows;
  tf.dispose([mean, variance]);
  const shares = reducer.allGather(packed);
  const total = shares.reduce((n, share) => n + share[2 * c]!, 0);
  const batchMean = new Float64Array(c);
  for (const share of shares) for (let j = 0; j < c; j++) batchMean[j]! += (share[2 * c]! * share[j]!) / total;
  // Σ over workers of n·(variance + (mean − batch mean)²), over the batch's rows.
  const batchVariance = new Float64Array(c);
  for (const share of shares)
    for (let j = 0; j < c; j++)
      batchVariance[j]! += (share[2 * c]! * (share[c + j]! + (share[j]! - batchMean[j]!) ** 2)) / total;
  return {
    mean: tf.tensor1d(Float32Array.from(batchMean)),
    variance: tf.tensor1d(Float32Array.from(batchVariance)),
    rows: total,
  };
}

interface NormGrads {
  /** This worker's share of the parameter gradients. */
  dgamma: tf.Tensor1D;
  dbeta: tf.Tensor1D;
  /** dz = dpre·scale + z·c1 + c0, with the whole batch's Σ dpre and Σ dpre·x̂ behind c1 and c0. */
  c1: tf.Tensor1D;
  c0: tf.Tensor1D;
}

/** Batch norm's backward pass from Σ dpre and Σ dpre·z over this worker's rows. */
function normGrads(
  dpreSum: tf.Tensor1D,
  dpreZSum: tf.Tensor1D,
  saved: { mean: tf.Tensor1D; invStd: tf.Tensor1D; scale: tf.Tensor1D; rows: number },
  reducer?: ColumnReducer,
): NormGrads {
  const { mean, invStd, scale, rows } = saved;
  // Σ dpre·x̂ = invStd·(Σ dpre·z − mean·Σ dpre)
  const dgamma = tf.mul(invStd, tf.sub(dpreZSum, tf.mul(mean, dpreSum))) as tf.Tensor1D;
  let batchDbeta = dpreSum;
  let batchDgamma = dgamma;
  if (reducer) {
    const [dpreSumAll, dpreZSumAll] = reduceAcross(reducer, [dpreSum, dpreZSum]) as [tf.Tensor1D, tf.Tensor1D];
    batchDbeta = dpreSumAll;
    batchDgamma = tf.mul(invStd, tf.sub(dpreZSumAll, tf.mul(mean, batchDbeta))) as tf.Tensor1D;
  }
  // dz = scale·(dpre − dbeta/M − x̂·dgamma/M)
  const c1 = tf.neg(tf.div(tf.mul(tf.mul(scale, invStd), batchDgamma), rows)) as tf.Tensor1D;
  const c0 = tf.sub(tf.neg(tf.div(tf.mul(scale, batchDbeta), rows)), tf.mul(mean, c1)) as tf.Tensor1D;
  return { dgamma, dbeta: dpreSum, c1, c0 };
}

/** A block over the column parts of its input: x = [x₀ | x₁ | …] times the kernel cut into the matching rows. */
type PartsBlock = (args: Omit<BlockArgs, 'x' | 'kernel'>, xs: tf.Tensor2D[], kernels: tf.Tensor2D[]) => tf.Tensor2D;

/**
 * The training block. With a `reducer` the batch is split across workers and batch norm still uses the statistics
 * of the whole batch: the column sums behind the mean and the variance, and behind the backward pass's Σdy and
 * Σdy·z, are summed across workers. Parameter gradients stay local (the caller sums them), so every worker's
 * share adds up to the one-batch gradient.
 */
function makeFastBlock(reducer?: ColumnReducer): PartsBlock {
  return (args, xs, kernels) => {
    const { epsilon, onStats } = args;
    const clouds = args.perCloud?.clouds ?? 1;
    const parts = xs.length;
    // Nested tidies and early disposal keep at most a few [rows, C] temporaries alive at once: the peak memory
    // of a keras batch of 32 × 1024 points has to fit the 4 GB wasm heap.
    const body = (inputs: tf.Tensor[], save: tf.GradSaveFunc) => {
      const x = inputs.slice(0, parts) as tf.Tensor2D[];
      const w = inputs.slice(parts, 2 * parts) as tf.Tensor2D[];
      const gamma = inputs[2 * parts] as tf.Tensor1D;
      const beta = inputs[2 * parts + 1] as tf.Tensor1D;
      const term = args.perCloud ? (inputs[2 * parts + 2] as tf.Tensor2D) : null;
      // Σ xᵢ·Wᵢ rather than concat(x)·W: the concat's gradient is a column split, which wasm runs as a JS slice
      // that copies the whole input out of the heap once per part.
      const z = tf.tidy(() => {
        let sum: tf.Tensor2D = tf.matMul(x[0]!, w[0]!);
        for (let i = 1; i < parts; i++) sum = tf.add(sum, tf.matMul(x[i]!, w[i]!)) as tf.Tensor2D;
        return (term ? addPerCloud(sum, term, clouds) : sum) as tf.Tensor2D;
      });
      const { mean, variance, rows } = batchMoments(z, reducer);
      const invStd = tf.rsqrt(tf.add(variance, epsilon)) as tf.Tensor1D;
      const scale = tf.mul(gamma, invStd) as tf.Tensor1D;
      const shift = tf.sub(beta, tf.mul(mean, scale));
      const out = tf.tidy(() => tf.relu(tf.add(tf.mul(z, scale), shift)) as tf.Tensor2D);
      save([...x, ...w, z, out, mean, invStd, scale]);
      if (onStats) onStats({ mean: tf.keep(mean), variance: tf.keep(variance) });
      return {
        value: out,
        gradFunc: (dy: tf.Tensor2D, saved: Saved) =>
          releasing(dy, () => {
            const sx = saved.slice(0, parts) as tf.Tensor2D[];
            const sw = saved.slice(parts, 2 * parts) as tf.Tensor2D[];
            const [sz, sout, smean, sinvStd, sscale] = saved.slice(2 * parts) as [
              tf.Tensor2D,
              tf.Tensor2D,
              tf.Tensor1D,
              tf.Tensor1D,
              tf.Tensor1D,
            ];
            const dpre = tf.tidy(() => tf.mul(dy, tf.step(sout)) as tf.Tensor2D);
            dy.dispose();
            const dpreSum = tf.tidy(() => tf.reshape(columnSums(dpre), [-1]) as tf.Tensor1D);
            const dpreZSum = tf.tidy(
              () => tf.reshape(columnSums(tf.mul(dpre, sz) as tf.Tensor2D), [-1]) as tf.Tensor1D,
            );
            const { dgamma, dbeta, c1, c0 } = normGrads(
              dpreSum,
              dpreZSum,
              { mean: smean, invStd: sinvStd, scale: sscale, rows },
              reducer,
            );
            const dz = tf.tidy(() => tf.add(tf.add(tf.mul(dpre, sscale), tf.mul(sz, c1)), c0) as tf.Tensor2D);
            dpre.dispose();
            const dx = sw.map((wi) => tf.tidy(() => matMulTransposedB(dz, wi)));
            const dw = parts === 1 ? [tf.tidy(() => matMulTransposedA(sx[0]!, dz))] : partKernelGrads(sx, dz);
            const grads: tf.Tensor[] = [...dx, ...dw, dgamma, dbeta];
            if (term) grads.push(sumPerCloud(dz, clouds));
            dz.dispose();
            return grads;
          }),
      };
    };
    const f = tf.customGrad(((...inputs: unknown[]) => {
      const save = inputs.pop() as tf.GradSaveFunc;
      return body(inputs as tf.Tensor[], save);
    }) as never) as (...t: tf.Tensor[]) => tf.Tensor2D;
    const term = args.perCloud ? [args.perCloud.term] : [];
    return f(...xs, ...kernels, args.gamma, args.beta, ...term);
  };
}

/**
 * max over each cloud's points of relu(batchnorm(x·W)), [B, C], as one op (the T-Nets' last convs and the global
 * feature: the three widest layers of the net). The max sends each channel's gradient to one point per cloud, so
 * dpre has B·C non-zeros in [B·N, C], and the backward pass never forms a dense [B·N, C] gradient:
 *   dz = dpre·scale + z·c1 + c0 (batch norm), z = x·W, so
 *   dW = xᵀ·dz = xᵀ·(dpre·scale) + (xᵀx)·W·diag(c1) + (Σ rows of x)ᵀ·c0
 *   dx = dz·Wᵀ = (dpre·scale)·Wᵀ + x·(W·diag(c1)·Wᵀ) + c0·Wᵀ
 * where the dpre terms are gathers and scatters at the B·C winners and the rest are K×K products (K = the input
 * width, 4–8× smaller than C here). Only x, W and per-winner values are kept for the backward pass, not z.
 */
function makeFastPooledBlock(reducer?: ColumnReducer): (args: BlockArgs, clouds: number) => tf.Tensor2D {
  return (args, clouds) => {
    const { epsilon, onStats } = args;
    const f = tf.customGrad(((
      x: tf.Tensor2D,
      w: tf.Tensor2D,
      gamma: tf.Tensor1D,
      beta: tf.Tensor1D,
      save: tf.GradSaveFunc,
    ) => {
      const [rows, c] = [x.shape[0], w.shape[1]];
      const n = rows / clouds;
      const z: tf.Tensor2D = tf.matMul(x, w);
      const { mean, variance, rows: batchRows } = batchMoments(z, reducer);
      const invStd = tf.rsqrt(tf.add(variance, epsilon)) as tf.Tensor1D;
      const scale = tf.mul(gamma, invStd) as tf.Tensor1D;
      const shift = tf.sub(beta, tf.mul(mean, scale));
      // relu is monotone, so the max of relu(pre) is relu(max pre) and the winner is pre's arg-max.
      const { pooled, winnerRow, zAtWinner } = tf.tidy(() => {
        const pre = tf.add(tf.mul(z, scale), shift);
        // [B, C, N]: both reductions then run over the innermost axis.
        const byChannel = tf.transpose(tf.reshape(pre, [clouds, n, c]), [0, 2, 1]);
        const winner = tf.argMax(byChannel, 2);
        const row = tf.add(
          tf.reshape(tf.mul(tf.range(0, clouds, 1, 'int32'), tf.scalar(n, 'int32')), [clouds, 1]),
          winner,
        );
        const flat = tf.add(tf.mul(row, tf.scalar(c, 'int32')), tf.reshape(tf.range(0, c, 1, 'int32'), [1, c]));
        return {
          pooled: tf.relu(tf.max(byChannel, 2)) as tf.Tensor2D,
          winnerRow: tf.reshape(row, [-1]) as tf.Tensor1D,
          zAtWinner: tf.reshape(tf.gatherND(tf.reshape(z, [-1]), tf.reshape(flat, [-1, 1])), [
            clouds,
            c,
          ]) as tf.Tensor2D,
        };
      });
      z.dispose();
      save([x, w, winnerRow, zAtWinner, pooled, mean, invStd, scale]);
      if (onStats) onStats({ mean: tf.keep(mean), variance: tf.keep(variance) });
      return {
        value: pooled,
        gradFunc: (dy: tf.Tensor2D, saved: Saved) =>
          releasing(dy, () => {
            const [sx, sw, sRow, sZw, sPooled, smean, sinvStd, sscale] = saved as [
              tf.Tensor2D,
              tf.Tensor2D,
              tf.Tensor1D,
              tf.Tensor2D,
              tf.Tensor2D,
              tf.Tensor1D,
              tf.Tensor1D,
              tf.Tensor1D,
            ];
            const k = sx.shape[1];
            // dpre at the winners, [B, C] (0 where the max was clipped by the relu).
            const g = tf.mul(dy, tf.step(sPooled)) as tf.Tensor2D;
            const dpreSum = tf.reshape(columnSums(g), [-1]) as tf.Tensor1D;
            const dpreZSum = tf.reshape(columnSums(tf.mul(g, sZw) as tf.Tensor2D), [-1]) as tf.Tensor1D;
            const { dgamma, dbeta, c1, c0 } = normGrads(
              dpreSum,
              dpreZSum,
              { mean: smean, invStd: sinvStd, scale: sscale, rows: batchRows },
              reducer,
            );
            const gs = tf.mul(g, sscale) as tf.Tensor2D;
            const wT = tf.transpose(sw) as tf.Tensor2D;
            const dw = tf.tidy(() => {
              // Σ over clouds of the winners' rows of x, weighted: [C, K], then transposed.
              let sparse: tf.Tensor2D | null = null;
              for (let b = 0; b < clouds; b++) {
                const term = tf.tidy(() => {
                  const rowsOfCloud = tf.reshape(tf.slice(sRow, [b * c], [c]), [c, 1]);
                  return tf.mul(tf.gatherND(sx, rowsOfCloud), tf.reshape(tf.slice(gs, [b, 0], [1, c]), [c, 1]));
                }) as tf.Tensor2D;
                sparse = sparse ? (tf.add(sparse, term) as tf.Tensor2D) : term;
              }
              const gram = matMulTransposedA(sx, sx);
              const dense = tf.mul(tf.matMul(gram, sw), c1);
              const shifted = tf.matMul(tf.reshape(columnSums(sx), [k, 1]), tf.reshape(c0, [1, c]));
              return tf.add(tf.add(tf.transpose(sparse!), dense), shifted) as tf.Tensor2D;
            });
            const dx = tf.tidy(() => {
              const updates = tf.reshape(tf.mul(tf.reshape(gs, [clouds, c, 1]), tf.reshape(wT, [1, c, k])), [
                clouds * c,
                k,
              ]);
              const sparse = tf.scatterND(tf.reshape(sRow, [-1, 1]), updates, [rows, k]) as tf.Tensor2D;
              const dense = tf.matMul(sx, tf.matMul(tf.mul(sw, c1), wT));
              return tf.add(tf.add(sparse, dense), tf.matMul(tf.reshape(c0, [1, c]), wT)) as tf.Tensor2D;
            });
            return [dx, dw, dgamma, dbeta];
          }),
      };
    }) as never) as (x: tf.Tensor2D, w: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor2D;
    return f(args.x, args.kernel, args.gamma, args.beta);
  };
}

/** xᵢᵀ·dz for every part with dz transposed once: (dzᵀ·xᵢ)ᵀ, whose transposes are of small results only. */
function partKernelGrads(xs: tf.Tensor2D[], dz: tf.Tensor2D): tf.Tensor2D[] {
  const dzT = tf.transpose(dz);
  const grads = xs.map((xi) => tf.tidy(() => tf.transpose(tf.matMul(dzT, xi)) as tf.Tensor2D));
  dzT.dispose();
  return grads;
}

const fastLinear = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy: tf.Tensor2D, [sx, sw]: Saved) =>
      releasing(dy, () => [
        matMulTransposedB(dy, sw as tf.Tensor2D),
        matMulTransposedA(sx as tf.Tensor2D, dy),
        tf.reshape(columnSums(dy), [-1]),
      ]),
  };
}) as never) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

/**
 * Per-cloud 2-D products (the batched rank-3 kernel is slow on wasm, the batch-1 path is not). Each cloud is taken
 * with gatherND: wasm runs slice and unstack in JS, copying the whole input out of its heap once per piece, and
 * its gather walks element by element (~12× slower than gatherND's row copies).
 */
export function perCloudMatMul(x: tf.Tensor3D, a: tf.Tensor3D): tf.Tensor3D {
  if (x.shape[0] === 1) return tf.matMul(x, a);
  const [clouds, n, k] = x.shape;
  const [, , m] = a.shape;
  const products = Array.from({ length: clouds }, (_, b) =>
    tf.tidy(() => {
      const index = tf.tensor2d([b], [1, 1], 'int32');
      return tf.matMul(
        tf.reshape(tf.gatherND(x, index), [n, k]),
        tf.reshape(tf.gatherND(a, index), [k, m]),
      ) as tf.Tensor2D;
    }),
  );
  const out = tf.stack(products) as tf.Tensor3D;
  tf.dispose(products);
  return out;
}

const fastTransform = tf.customGrad(((x: tf.Tensor3D, a: tf.Tensor3D, save: tf.GradSaveFunc) => {
  save([x, a]);
  return {
    value: perCloudMatMul(x, a),
    gradFunc: (dy: tf.Tensor3D, [sx, sa]: Saved) =>
      releasing(dy, () => [
        perCloudMatMul(dy, tf.transpose(sa as tf.Tensor3D, [0, 2, 1])),
        perCloudMatMul(tf.transpose(sx as tf.Tensor3D, [0, 2, 1]), dy),
      ]),
  };
}) as never) as (x: tf.Tensor3D, a: tf.Tensor3D) => tf.Tensor3D;

/** The kernel's rows cut to match column parts of the given widths (contiguous row slices, cheap on every backend). */
function splitRows(kernel: tf.Tensor2D, widths: number[]): tf.Tensor2D[] {
  let at = 0;
  return widths.map((width) => {
    const rows = tf.slice(kernel, [at, 0], [width, -1]);
    at += width;
    return rows;
  });
}

/** The explicit-gradient layers; with a `reducer`, for one worker's share of a batch split across workers. */
export function makeFastOps(reducer?: ColumnReducer): LayerOps {
  const block = makeFastBlock(reducer);
  return {
    block: (args) => block(args, [args.x], [args.kernel]),
    linear: (x, w, b) => fastLinear(x, w, b),
    pooledBlock: makeFastPooledBlock(reducer),
    transform: (x, a) => fastTransform(x, a),
    segHidden(local, global, args) {
      const kernels = splitRows(args.kernel, [...local.map((t) => t.shape[1]), global.shape[1]]);
      const wGlobal = kernels.pop()!;
      // The global feature is the same for every point of a cloud: multiply it once per cloud.
      const term = fastLinear(global, wGlobal, tf.zeros([wGlobal.shape[1]]));
      return block({ ...args, perCloud: { term, clouds: global.shape[0] } }, local, kernels);
    },
  };
}

export const FAST_OPS: LayerOps = makeFastOps();

function plainBlock(args: BlockArgs): tf.Tensor2D {
  let z = tf.matMul(args.x, args.kernel);
  if (args.perCloud) z = addPerCloud(z as tf.Tensor2D, args.perCloud.term, args.perCloud.clouds);
  const { mean, variance } = tf.moments(z, 0);
  if (args.onStats) args.onStats({ mean: tf.keep(mean as tf.Tensor1D), variance: tf.keep(variance as tf.Tensor1D) });
  return tf.relu(tf.batchNorm(z, mean, variance, args.beta, args.gamma, args.epsilon)) as tf.Tensor2D;
}

export const PLAIN_OPS: LayerOps = {
  block: plainBlock,
  linear: (x, w, b) => tf.add(tf.matMul(x, w), b),
  pooledBlock(args, clouds) {
    const out = plainBlock(args);
    const [rows, c] = out.shape;
    return tf.max(tf.reshape(out, [clouds, rows / clouds, c]), 1);
  },
  transform: (x, a) => tf.matMul(x, a),
  segHidden(local, global, args) {
    const clouds = global.shape[0];
    const n = local[0]!.shape[0] / clouds;
    const tiled = tf.reshape(tf.tile(tf.reshape(global, [clouds, 1, -1]), [1, n, 1]), [clouds * n, -1]) as tf.Tensor2D;
    return plainBlock({ ...args, x: tf.concat([...local, tiled], 1) });
  },
};
