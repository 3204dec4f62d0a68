// Second pass of a split reduction: sums S partial results [S, R] into an output of L <= R elements (any shape),
// output[i] = sum over s of partial[s, offset + i] (uniform `offset`: one partial buffer can feed several outputs).
// Split-K (each workgroup reduces one slice of the reduction axis, then a pass adds the slices) keeps a GEMM with
// few output tiles but a long reduction busy on a wide GPU without atomics; used by conv2d_backprop_filter.ts,
// whose reduction runs over N*OH*OW, and by batch_norm_grad.ts (per-channel sums over N*H*W). One thread per
// output element, reading the S partials with stride R (consecutive threads read consecutive words).
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

export class SplitKSumProgram implements WebGPUProgram {
  variableNames = ['partial'];
  outputShape: number[];
  shaderKey = 'batchShapingSplitKSum';
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  uniforms = 'offset : i32,';

  /** `outputShape`: the summed result's shape (its size is L); run with uniforms [{ type: 'int32', data: [offset] }]. */
  constructor(outputShape: number[]) {
    this.outputShape = outputShape;
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    const size = outputShape.reduce((a, b) => a * b, 1);
    this.dispatch = [Math.ceil(size / this.workgroupSize[0]), 1, 1];
  }

  getUserCode(): string {
    return `
  fn main(index : i32) {
    if (index < uniforms.size) {
      let splits = uniforms.partialShape.x;
      let rowLen = uniforms.partialShape.y;
      var s = 0.0;
      for (var i = 0; i < splits; i++) {
        s = s + partial[i * rowLen + uniforms.offset + index];
      }
      setOutputAtIndex(index, s);
    }
  }
`;
  }
}
