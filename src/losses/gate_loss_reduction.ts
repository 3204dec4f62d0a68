// How a gate loss combines its per-gate terms: summed over every gate of every layer, or averaged over them.
// The choice sets the scale of the loss weight (gamma, lambda): see batch_shaping_loss.ts and l0_gate_loss.ts.

export type GateLossReduction = 'sum' | 'mean';
export const GATE_LOSS_REDUCTIONS: readonly GateLossReduction[] = ['sum', 'mean'];

/** The reduction `value` (default 'sum'), checked; `fn` names the caller in the error. */
export function checkReduction(fn: string, value: unknown): GateLossReduction {
  if (value === undefined) return 'sum';
  if (!GATE_LOSS_REDUCTIONS.includes(value as GateLossReduction)) {
    throw new Error(`${fn}: option 'reduction' must be 'sum' or 'mean'; got ${JSON.stringify(value)}`);
  }
  return value as GateLossReduction;
}
