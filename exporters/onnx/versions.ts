/** The ONNX versions pnet writes; a leaf module so `pnet` can export them without loading onnx-proto. */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;
