import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The `pnet` a user runs. */
export const PNET_BIN = join(REPO_ROOT, 'bin', 'pnet.js');

/** Small real ShapeNet part files committed under tests/fixtures (each folder has a SOURCE.md). */
export const FIXTURES = join(REPO_ROOT, 'tests', 'fixtures');
/** Four clouds of the benchmark's normal variant (Skateboard, Table). */
export const REAL_NORMAL = join(FIXTURES, 'shapenetcore_partanno_segmentation_benchmark_v0_normal');
/** Three clouds in the benchmark_v0 layout (Airplane, Mug, Table). */
export const REAL_BENCHMARK = join(FIXTURES, 'shapenet-benchmark');
export const HAS_REAL_DATA = existsSync(join(REAL_NORMAL, 'synsetoffset2category.txt'));
