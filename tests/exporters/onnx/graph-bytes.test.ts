/**
 * The exporter's bytes, pinned: every layout, precision and normalisation of one fixed model hashes to the value
 * recorded here (the int8 build starts from the same channel-first walk; its calibration runs onnxruntime, whose
 * float sums may differ between CPUs, so its bytes are checked for determinism in int8-export.test.ts instead). A refactor of the graph code must leave every file byte for byte as it was;
 * a deliberate change to the graph updates these hashes in the same commit and says why.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildOnnxModel, GRAPH_LAYOUTS } from '../../../exporters/onnx/index.ts';
import { SYNTH_CLASSES, tinyModel } from '../../helpers/tiny-model.ts';

const SHA = 'b'.repeat(64);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const PINNED: Record<string, string> = {
  'channels-first fp32 normalized': '8f22b04990a20c0b1ff459dab8e09d9d930c99c3b151b5e7e24c28ab0c74a3eb',
  'channels-first fp32 raw': '77a72d1a7fb98ffe970a4d1b8a658b1cd7fa7d76e257effe483a09a9ad72cffa',
  'channels-first fp16 normalized': 'a83f653ef728a748c9deb5a8cc32f0db30e63e1a6b77582a4169d7d86d190ac6',
  'channels-first fp16 raw': '12d5f760ac981e248f2a178ad366a07f73ab0f7bf515270d9185949b49746ae8',
  'channels-last fp32 normalized': '3565f1a580e22905f4cf8231bdcde397406d35e202692b824033c2bd33f09fc2',
  'channels-last fp32 raw': '078c7f2fe3ef85e0d20670055e67668f023c3b916b339f9bc6d7bec2dcae7625',
  'channels-last fp16 normalized': '168b19cdec711518cb5312cbd40753b197cdc47a887228f1382ade6676fbe752',
  'channels-last fp16 raw': '67782ab11d654751a1e9a1dff49631eccee2afa1b11090af01c7eea5a3482f84',
};

describe('exported bytes', () => {
  const model = tinyModel({ seed: 33, classes: SYNTH_CLASSES, weights: 'perturbed' });
  const input = { ...model, checkpointSha256: SHA };

  it('are those pinned for every layout, precision and normalisation', () => {
    const got: Record<string, string> = {};
    for (const layout of GRAPH_LAYOUTS) {
      for (const fp16 of [false, true]) {
        for (const normalize of [true, false]) {
          got[`${layout} ${fp16 ? 'fp16' : 'fp32'} ${normalize ? 'normalized' : 'raw'}`] = sha256(
            buildOnnxModel(input, { layout, fp16, normalize }),
          );
        }
      }
    }
    if (process.env.PNET_PRINT_HASHES) console.log(JSON.stringify(got, null, 2));
    expect(got).toEqual(PINNED);
  });
});
