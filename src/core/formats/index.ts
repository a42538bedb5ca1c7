/** Point-cloud and label file formats (browser-safe: no node:* modules). */
export { parseCloudFile, CLOUD_FILE_EXTENSIONS } from './cloud-file.ts';
export { parsePly, writePly, type PlyCloud, type ColoredCloud } from './ply.ts';
export { checkLabelCount, formatSeg, parseSeg } from './seg.ts';
export { parsePts, formatPts, parsePointsWithParts } from './pts.ts';
