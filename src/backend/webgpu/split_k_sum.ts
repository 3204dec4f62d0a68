// Second pass of a split-K GEMM: sums S partial results [S, L] into an output of L elements (any shape).
// Split-K (each workgroup reduces one slice of the reduction axis, then a pass adds the slices) keeps a GEMM with
// few output tiles but a long reduction busy on a wide GPU without atomics; used by conv2d_backprop_filter.ts,
// whose reduction runs over N*OH*OW. One thread per output element, reading the S partials with stride L
// (consecutive threads read consecutive words).
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

export class SplitKSumProgram implements WebGPUProgram {
  variableNames = ['partial'];
  outputShape: number[];
  shaderKey = 'batchShapingSplitKSum';
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;

  /** `outputShape`: the summed result's shape (its size is L). */
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
      let len = uniforms.partialShape.y;
      var s = 0.0;
      for (var i = 0; i < splits; i++) {
        s = s + partial[i * len + index];
      }
      setOutputAtIndex(index, s);
    }
  }
`;
  }
}
