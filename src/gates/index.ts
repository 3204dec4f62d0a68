// Public surface of the gates module: the channel gate and its gate functions and noise source.
export {
  ChannelGate,
  type ChannelGateOptions,
  DEFAULT_GATE_BIAS_INIT,
  GATE_HIDDEN,
  type GateApplyOptions,
  type GateOutput,
} from './channel_gate.js';
export {
  GATE_TAU,
  gateProbabilities,
  relaxedGate,
  straightThroughGate,
  thresholdGate,
} from './gate_functions.js';
export { NoiseSource, type NoiseState } from './noise_source.js';
