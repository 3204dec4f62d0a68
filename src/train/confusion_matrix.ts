// Segmentation metrics from a confusion matrix (rows: true class, columns: predicted), pixels labelled
// `ignoreIndex` (255 in Cityscapes' trainIds) left out: IoU_c = TP / (TP + FP + FN), mIoU the mean over
// classes present in the ground truth or the predictions (the Cityscapes benchmark convention of averaging
// over the 19 classes, where a class absent from both has no defined IoU and is skipped).
export class ConfusionMatrix {
  readonly counts: Float64Array;

  constructor(
    readonly numClasses: number,
    readonly ignoreIndex = 255,
  ) {
    if (!Number.isInteger(numClasses) || numClasses < 1) {
      throw new Error(`ConfusionMatrix: argument 'numClasses' must be a positive integer; got ${numClasses}`);
    }
    this.counts = new Float64Array(numClasses * numClasses);
  }

  /** Adds pixels: `truth` and `pred` of equal length; truth === ignoreIndex is skipped. */
  add(truth: ArrayLike<number>, pred: ArrayLike<number>): void {
    if (truth.length !== pred.length) {
      throw new Error(`ConfusionMatrix.add: 'truth' has ${truth.length} pixels, 'pred' ${pred.length}`);
    }
    const k = this.numClasses;
    for (let i = 0; i < truth.length; i++) {
      const t = truth[i]!;
      if (t === this.ignoreIndex) continue;
      const p = pred[i]!;
      if (t < 0 || t >= k || p < 0 || p >= k) {
        throw new Error(
          `ConfusionMatrix.add: class out of range at pixel ${i}: truth ${t}, pred ${p} (classes 0..${k - 1})`,
        );
      }
      this.counts[t * k + p]! += 1;
    }
  }

  /** IoU per class (NaN where the class appears in neither truth nor predictions). */
  iou(): number[] {
    const k = this.numClasses;
    const out: number[] = [];
    for (let c = 0; c < k; c++) {
      let row = 0;
      let col = 0;
      for (let j = 0; j < k; j++) {
        row += this.counts[c * k + j]!;
        col += this.counts[j * k + c]!;
      }
      const tp = this.counts[c * k + c]!;
      const union = row + col - tp;
      out.push(union > 0 ? tp / union : Number.NaN);
    }
    return out;
  }

  meanIoU(): number {
    const v = this.iou().filter((x) => !Number.isNaN(x));
    return v.length === 0 ? Number.NaN : v.reduce((s, x) => s + x, 0) / v.length;
  }

  pixelAccuracy(): number {
    const k = this.numClasses;
    let tp = 0;
    let all = 0;
    for (let c = 0; c < k; c++) tp += this.counts[c * k + c]!;
    for (const v of this.counts) all += v;
    return all > 0 ? tp / all : Number.NaN;
  }
}
