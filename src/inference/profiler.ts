// Wall-clock time per phase of a conditional forward pass (gate + decision sync, weight gathering, convs,
// masking, residual, stem/head). Meaningful on synchronous backends (cpu, wasm: every op has finished when it
// returns); on webgpu the times are those of dispatching, the work lands on the next sync (the gate decision).

export type Phase = 'stem' | 'gate' | 'gather' | 'conv' | 'mask' | 'residual' | 'head';

export class Profiler {
  readonly ms: Record<Phase, number> = {
    stem: 0,
    gate: 0,
    gather: 0,
    conv: 0,
    mask: 0,
    residual: 0,
    head: 0,
  };

  /** Milliseconds per gated block (gate + block), in forward order, summed over execution groups. */
  readonly blockMs: number[] = [];

  constructor(readonly enabled: boolean) {}

  /** Times fn as block i (phases inside it are timed as well). */
  block<T>(i: number, fn: () => T): T {
    if (!this.enabled) return fn();
    const t0 = performance.now();
    const out = fn();
    this.blockMs[i] = (this.blockMs[i] ?? 0) + performance.now() - t0;
    return out;
  }

  time<T>(phase: Phase, fn: () => T): T {
    if (!this.enabled) return fn();
    const t0 = performance.now();
    const out = fn();
    this.ms[phase] += performance.now() - t0;
    return out;
  }

  /** Times the async fn as block i, until it settles. */
  async blockAsync<T>(i: number, fn: () => Promise<T>): Promise<T> {
    if (!this.enabled) return fn();
    const t0 = performance.now();
    const out = await fn();
    this.blockMs[i] = (this.blockMs[i] ?? 0) + performance.now() - t0;
    return out;
  }

  /** Times the async fn (e.g. a gate decision read with `await t.data()`) until it settles. */
  async timeAsync<T>(phase: Phase, fn: () => Promise<T>): Promise<T> {
    if (!this.enabled) return fn();
    const t0 = performance.now();
    const out = await fn();
    this.ms[phase] += performance.now() - t0;
    return out;
  }
}
