/** onnxruntime-node (runtime/node) on the CPU or CUDA execution provider. */
import {
  createNodeSegmenter,
  listExecutionProviders,
  probeCuda,
  type NodeExecutionProvider,
} from '../../../runtime/node/index.ts';
import { timePerCloud } from './timing.ts';
import type { ParityCloud, RuntimeOutcome } from '../types.ts';

/** Why CUDA cannot run, short enough for a table cell: the missing driver (no GPU) says it all. */
function cudaSkipReason(): string {
  const status = probeCuda();
  if (status.problems.some((p) => p.includes('NVIDIA driver')))
    return 'no GPU on this machine (no NVIDIA driver); `pnet doctor` lists what a GPU machine needs';
  return `${status.problems.join('; ')}; fix: ${status.remedies.join(', then ')}`;
}

export async function runOrtNode(
  ep: NodeExecutionProvider,
  modelPath: string,
  clouds: ParityCloud[],
): Promise<RuntimeOutcome> {
  const info = (await listExecutionProviders()).find((p) => p.name === ep);
  if (!info?.available)
    return {
      ran: false,
      reason: ep === 'cuda' ? cudaSkipReason() : (info?.detail ?? `execution provider ${ep} unknown`),
    };
  // No fallback: a CUDA row that quietly ran on the CPU would report CPU parity as CUDA parity.
  const segmenter = await createNodeSegmenter(modelPath, { ep });
  try {
    const { outputs, msPerCloud, msEach } = await timePerCloud(clouds, async (c) => {
      const r = await segmenter.segment(c.xyz);
      return { probabilities: r.probabilities, labels: r.labels };
    });
    return { ran: true, outputs, msPerCloud, msEach, note: info.detail };
  } finally {
    await segmenter.dispose();
  }
}
