// Kernel-level A/B on the device: our webgpu Conv2DBackpropFilter / Conv2DBackpropInput against the stock
// tfjs-backend-webgpu ones (and, for the input gradient, stock with WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE=false, its
// matmul variant) on the layer shapes of the benchmark's models. Variants alternate rep by rep; a rep runs the
// kernel `calls` times and waits for a scalar that depends on the last result; time per call is the median over
// reps. Also checks that ours and stock agree on the device (max |ours - stock| / max |stock|).
import * as tf from '@tensorflow/tfjs-core';
import { applyVariant, type KernelVariant } from './kernel_switch.js';

export interface ConvCase {
  /** e.g. 'resnet18 3x3 64->64 s1'. */
  label: string;
  /** Forward input [N, H, W, Ci]. */
  x: [number, number, number, number];
  k: number;
  co: number;
  stride: number;
  /** tfjs pad: 'same', 'valid' or a number (symmetric). */
  pad: 'same' | 'valid' | number;
}

export interface KernelAbRow {
  kernel: string;
  case: string;
  shape: { x: number[]; filter: number[]; dy: number[]; stride: number; pad: string | number };
  macs: number;
  /** variant -> median ms per call. */
  msPerCall: Record<string, number>;
  /** variant -> GFLOP/s (2 * MACs per call). */
  gflops: Record<string, number>;
  /** Median stock ms / median ours ms. */
  speedupOverStock: number;
  /** max |ours - stock| / max |stock| on this device. */
  relErrVsStock: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function outSize(inSize: number, k: number, stride: number, pad: ConvCase['pad']): number {
  if (pad === 'same') return Math.ceil(inSize / stride);
  const p = pad === 'valid' ? 0 : pad;
  return Math.floor((inSize + 2 * p - k) / stride) + 1;
}

async function relErr(reference: tf.Tensor, actual: tf.Tensor): Promise<number> {
  const [d, s] = tf.tidy(() => [tf.max(tf.abs(tf.sub(reference, actual))), tf.max(tf.abs(reference))]);
  const [dv, sv] = [(await d!.data())[0]!, (await s!.data())[0]!];
  tf.dispose([d!, s!]);
  return dv / Math.max(sv, 1e-30);
}

/** A/B of both gradient kernels on `c`; `deadline` (performance.now() ms) cuts the reps short. */
export async function kernelAb(
  c: ConvCase,
  reps: number,
  calls: number,
  deadline?: number,
): Promise<KernelAbRow[]> {
  const [n, h, w, ci] = c.x;
  const oh = outSize(h, c.k, c.stride, c.pad);
  const ow = outSize(w, c.k, c.stride, c.pad);
  const filterShape: [number, number, number, number] = [c.k, c.k, ci, c.co];
  const dyShape = [n, oh, ow, c.co];
  const macs = n * oh * ow * c.k * c.k * ci * c.co;
  const x = tf.randomNormal(c.x, 0, 1, 'float32', 1);
  const filter = tf.randomNormal(filterShape, 0, 0.1, 'float32', 2);
  const dy = tf.randomNormal(dyShape, 0, 1, 'float32', 3);
  const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC' as const };
  const kernels: { kernel: string; run: () => tf.Tensor; variants: KernelVariant[] }[] = [
    {
      kernel: tf.Conv2DBackpropFilter,
      run: () =>
        tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...attrs, filterShape }) as tf.Tensor,
      variants: [
        { name: 'ours', stock: [] },
        { name: 'stock', stock: [tf.Conv2DBackpropFilter] },
      ],
    },
    {
      kernel: tf.Conv2DBackpropInput,
      run: () =>
        tf
          .engine()
          .runKernel(tf.Conv2DBackpropInput, { dy, filter }, { ...attrs, inputShape: c.x }) as tf.Tensor,
      variants: [
        { name: 'ours', stock: [] },
        { name: 'stock', stock: [tf.Conv2DBackpropInput] },
        {
          name: 'stock-matmul',
          stock: [tf.Conv2DBackpropInput],
          flags: { WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE: false },
        },
      ],
    },
  ];
  const rows: KernelAbRow[] = [];
  try {
    for (const k of kernels) {
      const times = new Map<string, number[]>(k.variants.map((v) => [v.name, []]));
      const results = new Map<string, tf.Tensor>();
      const use = applyVariant;
      for (const v of k.variants) {
        use(v); // warm-up call: shader compilation, and the result kept for the agreement check
        const r = k.run();
        await r.data();
        results.set(v.name, r);
      }
      for (let rep = 0; rep < reps; rep++) {
        if (rep > 0 && deadline !== undefined && performance.now() > deadline) break;
        for (const v of k.variants) {
          use(v);
          const t0 = performance.now();
          const probe = tf.tidy(() => {
            let last: tf.Tensor | undefined;
            for (let i = 0; i < calls; i++) {
              last?.dispose();
              last = k.run();
            }
            return tf.sum(tf.slice(tf.reshape(last!, [-1]), 0, 1));
          });
          await probe.data();
          times.get(v.name)!.push((performance.now() - t0) / calls);
          probe.dispose();
        }
      }
      const msPerCall = Object.fromEntries([...times].map(([name, ts]) => [name, median(ts)]));
      const gflops = Object.fromEntries(
        Object.entries(msPerCall).map(([name, ms]) => [name, (2 * macs) / (ms * 1e6)]),
      );
      const err = await relErr(results.get('stock')!, results.get('ours')!);
      tf.dispose([...results.values()]);
      rows.push({
        kernel: k.kernel,
        case: c.label,
        shape: { x: c.x, filter: filterShape, dy: dyShape, stride: c.stride, pad: c.pad },
        macs,
        msPerCall,
        gflops,
        speedupOverStock: msPerCall.stock! / msPerCall.ours!,
        relErrVsStock: err,
      });
    }
  } finally {
    applyVariant({ name: 'ours', stock: [] });
    tf.dispose([x, filter, dy]);
  }
  return rows;
}
