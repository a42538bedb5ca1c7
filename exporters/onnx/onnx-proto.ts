/** The generated ONNX protobuf classes (onnx-proto is CommonJS, so it is imported whole and unpacked once). */
import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;
export type { onnx as OnnxTypes } from 'onnx-proto';
