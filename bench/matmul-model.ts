/** The machine's practical ceiling as a graph: one fp32 MatMul [n, n] × [n, n], the same for every bench. */
import onnxProto from 'onnx-proto';

export function matmulModel(n: number): Uint8Array {
  const { onnx } = onnxProto;
  const F = onnx.TensorProto.DataType.FLOAT;
  const info = (name: string) => ({
    name,
    type: { tensorType: { elemType: F, shape: { dim: [{ dimValue: n }, { dimValue: n }] } } },
  });
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'matmul',
        node: [{ opType: 'MatMul', input: ['a', 'b'], output: ['c'], name: 'mm' }],
        input: [info('a'), info('b')],
        output: [info('c')],
      },
    }),
  ).finish();
}
