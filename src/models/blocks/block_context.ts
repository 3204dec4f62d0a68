// What a residual block needs during a forward pass besides its input: the mode, the noise source for its
// gate, and the list its gate record is appended to.
import type { NoiseSource } from '../../gates/noise_source.js';
import type { GateRecord } from '../model_types.js';

export interface BlockContext {
  training: boolean;
  /** Inference gate threshold on the gate probability (default 0.5). */
  gateThreshold?: number;
  noise: NoiseSource;
  gates: GateRecord[];
}

/** Block settings common to BasicBlock and Bottleneck. */
export interface BlockOptions {
  gated: boolean;
  gateBiasInit: number;
  gateHidden: number;
  gateTau: number;
  bnMomentum: number;
  bnEpsilon: number;
  zeroInitResidual: boolean;
}
