// Our SIMD wasm kernels (src/backend/wasm/simd/conv.wat) against what they replace, layer by layer, in one process:
//   Conv2D                ours (conv2d.ts; 2 pixels x 16 channels per register tile) vs XNNPACK's (the stock kernel)
//   Conv2DBackpropFilter  ours ('direct', filter_grad_direct.ts) vs the swapped-roles XNNPACK conv and im2col + GEMM
// on ResNet-20 (CIFAR, batch 32) and ResNet-18 (224, batch 8) layer shapes, 'same' padding. The variants alternate
// call by call; each figure is the median over the calls, as wall-clock ms and as CPU ms (process CPU time, all
// threads): on a shared machine the CPU time is the steadier of the two. With --threads N > 1 both XNNPACK and our
// pool (simd_pool.ts) use N threads.
// Output: bench/results/simd_kernels.json (--threads N > 1: simd_kernels-threadsN.json; --out NAME).
// Run: node --import tsx bench/simd_kernels.ts [--threads N] [--quick] [--out NAME]
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/init_backend.js';
import {
  conv2dBackpropFilterWithPath,
  type FilterGradPath,
} from '../src/backend/wasm/conv2d_backprop_filter.js';
import { registerWasmKernels, restoreStockWasmKernels } from '../src/backend/wasm/register_wasm_kernels.js';
import { simdPool } from '../src/backend/wasm/simd_pool.js';
import type { BackendWasm } from '../src/backend/wasm/wasm_kernel_utils.js';
import { outArg } from './lib/args.js';
import { machineInfo, writeResult } from './lib/results.js';

const quick = process.argv.includes('--quick');
const threadsAt = process.argv.indexOf('--threads');
const threads = threadsAt >= 0 ? Number(process.argv[threadsAt + 1]) : 1;
if (!(Number.isInteger(threads) && threads >= 1)) {
  throw new Error(
    `bench/simd_kernels.ts: option '--threads' must be an integer >= 1; got ${process.argv[threadsAt + 1]}`,
  );
}
const resultName = outArg(
  'bench/simd_kernels.ts',
  threads > 1 ? `simd_kernels-threads${threads}` : 'simd_kernels',
);

interface Layer {
  label: string;
  batch: number;
  size: number;
  inC: number;
  outC: number;
  k: number;
  stride: number;
}

const LAYERS: Layer[] = [
  { label: 'R20 3x3 3->16 s1, 32x32', batch: 32, size: 32, inC: 3, outC: 16, k: 3, stride: 1 },
  { label: 'R20 3x3 16->16 s1, 32x32', batch: 32, size: 32, inC: 16, outC: 16, k: 3, stride: 1 },
  { label: 'R20 3x3 16->32 s2, 32x32', batch: 32, size: 32, inC: 16, outC: 32, k: 3, stride: 2 },
  { label: 'R20 3x3 32->32 s1, 16x16', batch: 32, size: 16, inC: 32, outC: 32, k: 3, stride: 1 },
  { label: 'R20 3x3 32->64 s2, 16x16', batch: 32, size: 16, inC: 32, outC: 64, k: 3, stride: 2 },
  { label: 'R20 3x3 64->64 s1, 8x8', batch: 32, size: 8, inC: 64, outC: 64, k: 3, stride: 1 },
  ...(quick
    ? []
    : [
        { label: 'R18 7x7 3->64 s2, 224', batch: 8, size: 224, inC: 3, outC: 64, k: 7, stride: 2 },
        { label: 'R18 3x3 64->64 s1, 56', batch: 8, size: 56, inC: 64, outC: 64, k: 3, stride: 1 },
        { label: 'R18 3x3 64->128 s2, 56', batch: 8, size: 56, inC: 64, outC: 128, k: 3, stride: 2 },
        { label: 'R18 3x3 128->128 s1, 28', batch: 8, size: 28, inC: 128, outC: 128, k: 3, stride: 1 },
        { label: 'R18 3x3 256->256 s1, 14', batch: 8, size: 14, inC: 256, outC: 256, k: 3, stride: 1 },
        { label: 'R18 3x3 512->512 s1, 7', batch: 8, size: 7, inC: 512, outC: 512, k: 3, stride: 1 },
      ]),
];

interface Timing {
  wallMs: number;
  cpuMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Times each variant `reps` times, alternating call by call after one warm-up round; medians. */
function alternate(variants: Record<string, () => tf.Tensor>, reps: number): Record<string, Timing> {
  const names = Object.keys(variants);
  const walls: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const cpus: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = -1; r < reps; r++) {
    for (const [name, run] of Object.entries(variants)) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const y = run();
      y.dataSync();
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(c0);
      y.dispose();
      if (r < 0) continue;
      walls[name]!.push(wall);
      cpus[name]!.push((cpu.user + cpu.system) / 1000);
    }
  }
  return Object.fromEntries(
    Object.keys(variants).map((n) => [n, { wallMs: median(walls[n]!), cpuMs: median(cpus[n]!) }]),
  );
}

function withConv2D(stock: boolean, fn: () => tf.Tensor): tf.Tensor {
  if (stock) restoreStockWasmKernels(['Conv2D']);
  try {
    return fn();
  } finally {
    registerWasmKernels();
  }
}

function filterGradWith(path: FilterGradPath, x: tf.Tensor, dy: tf.Tensor, layer: Layer): tf.Tensor {
  const backend = tf.backend() as unknown as BackendWasm;
  const attrs = {
    strides: layer.stride,
    pad: 'same',
    dataFormat: 'NHWC',
    dilations: 1,
    filterShape: [layer.k, layer.k, layer.inC, layer.outC],
  };
  const out = conv2dBackpropFilterWithPath(path)({
    inputs: { x, dy },
    backend,
    attrs,
  } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  return tf.engine().makeTensorFromTensorInfo(out);
}

const ratio = (a: Timing, b: Timing) => ({
  wall: Number((b.wallMs / a.wallMs).toFixed(3)),
  cpu: Number((b.cpuMs / a.cpuMs).toFixed(3)),
});

async function main(): Promise<void> {
  const report = await initBackend('wasm', { wasmThreads: threads });
  const pool = simdPool(tf.backend() as unknown as BackendWasm);
  const load = [loadavg()[0]!];
  const results = [];
  for (const layer of LAYERS) {
    const reps = layer.batch * layer.size * layer.size * layer.inC * layer.outC > 2e8 ? 5 : 9;
    const x = tf.randomNormal([layer.batch, layer.size, layer.size, layer.inC]) as tf.Tensor4D;
    const w = tf.randomNormal([layer.k, layer.k, layer.inC, layer.outC]) as tf.Tensor4D;
    const out = Math.ceil(layer.size / layer.stride);
    const dy = tf.randomNormal([layer.batch, out, out, layer.outC]);
    const conv = alternate(
      {
        ours: () => withConv2D(false, () => tf.conv2d(x, w, layer.stride, 'same')),
        xnnpack: () => withConv2D(true, () => tf.conv2d(x, w, layer.stride, 'same')),
      },
      reps,
    );
    const grad = alternate(
      {
        direct: () => filterGradWith('direct', x, dy, layer),
        swapped: () => filterGradWith('swapped', x, dy, layer),
        gemm: () => filterGradWith('gemm', x, dy, layer),
      },
      reps,
    );
    const best = grad.swapped!.cpuMs <= grad.gemm!.cpuMs ? grad.swapped! : grad.gemm!;
    const row = {
      layer: layer.label,
      conv2d: { ...conv, oursSpeedup: ratio(conv.ours!, conv.xnnpack!) },
      filterGrad: { ...grad, directOverBestXnnpack: ratio(grad.direct!, best) },
    };
    results.push(row);
    console.log(
      `${layer.label.padEnd(26)} Conv2D ours ${conv.ours!.wallMs.toFixed(1)} / XNNPACK ${conv.xnnpack!.wallMs.toFixed(1)} ms (x${row.conv2d.oursSpeedup.wall} wall, x${row.conv2d.oursSpeedup.cpu} cpu) | dW direct ${grad.direct!.wallMs.toFixed(1)} / swapped ${grad.swapped!.wallMs.toFixed(1)} / gemm ${grad.gemm!.wallMs.toFixed(1)} ms (x${row.filterGrad.directOverBestXnnpack.cpu} cpu vs the better)`,
    );
    tf.dispose([x, w, dy]);
  }
  load.push(loadavg()[0]!);
  const path = writeResult(resultName, {
    benchmark: 'simd_kernels',
    description:
      'Our SIMD wasm conv kernels vs XNNPACK, per layer, alternating calls, medians of wall-clock and process CPU ms',
    machine: machineInfo(),
    backend: report.reason,
    threads,
    simdPoolThreads: pool.threads,
    loadAverage: { before: load[0], after: load[1] },
    quick,
    layers: results,
  });
  console.log(`wrote ${path}`);
}

await main();
