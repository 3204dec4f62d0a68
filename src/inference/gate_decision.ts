// Host-side gate decisions of one block for a batch, and the channel sets conditional execution needs.
// Masks are 0/1 bytes [N, C] row-major: the inference gate 1[logit > 0] of Bejnordi et al. (ICLR 2020).

export interface GateDecision {
  batch: number;
  channels: number;
  /** [N, C] row-major, 1 = channel open for that sample. */
  mask: Uint8Array;
}

/** Union of the open channels over the batch (sorted), and whether every sample has exactly that pattern. */
export function activeChannels(decision: GateDecision): { union: Int32Array; uniform: boolean } {
  const { batch: n, channels: c, mask } = decision;
  const any = new Uint8Array(c);
  for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) any[j] |= mask[i * c + j]!;
  const union: number[] = [];
  for (let j = 0; j < c; j++) if (any[j] === 1) union.push(j);
  let uniform = true;
  for (let i = 0; i < n && uniform; i++) {
    for (let j = 0; j < c; j++) {
      if (mask[i * c + j] !== any[j]) {
        uniform = false;
        break;
      }
    }
  }
  return { union: Int32Array.from(union), uniform };
}

/** Sample i's row of the decision as numbers (the GateMaskInput format of models' dynamicMacs). */
export function maskRows(decision: GateDecision): number[][] {
  const { batch: n, channels: c, mask } = decision;
  return Array.from({ length: n }, (_, i) => Array.from(mask.subarray(i * c, (i + 1) * c)));
}
