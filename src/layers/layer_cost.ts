// Static description of the multiply-accumulate work of one conv or dense layer, produced by shape inference
// (no tensors run). The MAC counter (src/models/macs.ts) sums these; the gate fields say which gate thins the layer.

/** Spatial shape of an activation, NHWC without the batch: [H, W, C]. */
export type ShapeHWC = [number, number, number];

export interface LayerCost {
  /** Hierarchical layer name, e.g. 'layer1.0.conv1'. */
  name: string;
  kind: 'conv' | 'dense';
  /** 'gate' for the gate modules' own layers, 'main' for the network they gate. */
  role: 'main' | 'gate';
  /** MACs per sample with every channel on. */
  macs: number;
  inChannels: number;
  outChannels: number;
  /** Gate (by name) whose closed channels remove this layer's output filters. */
  outGate?: string;
  /** Gate (by name) whose closed channels remove this layer's input channels. */
  inGate?: string;
}

/** Output size of a conv/pool along one axis (PyTorch arithmetic, symmetric padding). */
export function convOutSize(size: number, kernel: number, stride: number, pad: number, dilation = 1): number {
  return Math.floor((size + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;
}
