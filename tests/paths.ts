import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Real ShapeNet part files shipped beside the repository (shared/data), when present. */
export const SHARED_DATA = resolve(REPO_ROOT, '../shared/data');
export const REAL_NORMAL = join(SHARED_DATA, 'shapenetcore_partanno_segmentation_benchmark_v0_normal');
export const HAS_REAL_DATA = existsSync(join(REAL_NORMAL, 'synsetoffset2category.txt'));
