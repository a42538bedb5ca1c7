/** Triton's ModelConfig message type (from the schema subset in model_config.proto), for strict config reading. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type protobuf from 'protobufjs';
import { loadProtoSchema } from './pbtxt.ts';

export const MODEL_CONFIG_PROTO = path.join(path.dirname(fileURLToPath(import.meta.url)), 'model_config.proto');

let root: protobuf.Root | undefined;

/** `inference.ModelConfig`, field names as in the .proto (snake_case). */
export function modelConfigType(): protobuf.Type {
  root ??= loadProtoSchema(MODEL_CONFIG_PROTO);
  return root.lookupType('inference.ModelConfig');
}
