// Our wasm kernels (src/backend/wasm) against the stock tfjs-backend-wasm 4.22 kernels they replace, in the
// same process, on ResNet-20 (CIFAR, batch 32) shapes; and a gated ResNet-20 training step with all our
// kernels against one with the stock kernels (only the kernels tfjs lacks are ours there), on 1 and 2
// threads (one child process per thread count: the wasm backend starts once per process).
// Kernels tfjs lacks have no stock time: Conv2DBackpropFilter is compared with the forward Conv2D of the
// same layer (same multiply-adds), UnsortedSegmentSum with the cpu backend.
// Ours and stock run alternately, one call each, and each is the median of its calls: the machine is
// shared, so only ratios measured this way mean anything.
// Output: bench/results/wasm_kernels.json. Run: node --import tsx bench/wasm_kernels.ts [--quick]
// --kernels-only --threads N: the kernel table alone on N threads, to bench/results/wasm_kernels-threadsN.json.
// --filter-grad [--threads N]: Conv2DBackpropFilter's two paths (swapped-roles conv, im2col + GEMM) and the
// registered kernel's choice, alternating call by call on ResNet-20 (batch 32 and 128) and ResNet-18 224
// (batch 8) layer shapes; then whole training steps (ResNet-20 b32 gated and dense, ResNet-18 224 b8 dense)
// with the swapped-only kernel and the per-shape choice, alternating step by step, images per CPU-second and
// per second; to bench/results/wasm_filter_grad.json (wasm_filter_grad-threadsN.json for N > 1).
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/init_backend.js';
import {
  conv2dBackpropFilterConfig,
  conv2dBackpropFilterWithPath,
  type FilterGradPath,
} from '../src/backend/wasm/conv2d_backprop_filter.js';
import {
  isOurWasmKernel,
  registerWasmKernels,
  restoreStockWasmKernels,
  stockWasmKernel,
} from '../src/backend/wasm/register_wasm_kernels.js';
import type { BackendWasm } from '../src/backend/wasm/wasm_kernel_utils.js';
import { createModel } from '../src/models/registry.js';
import { trainStep } from '../src/train/train_step.js';
import { machineInfo, writeResult } from './lib/results.js';
import { trainStepFixture } from './lib/train_step_timer.js';

const quick = process.argv.includes('--quick');
const childThreads = process.argv.find((a) => a.startsWith('--step-child='))?.split('=')[1];
const kernelsOnly = process.argv.includes('--kernels-only');
const filterGradOnly = process.argv.includes('--filter-grad');
const threadsAt = process.argv.indexOf('--threads');
const kernelThreads = threadsAt >= 0 ? Number(process.argv[threadsAt + 1]) : 1;
if (!(Number.isInteger(kernelThreads) && kernelThreads >= 1)) {
  throw new Error(
    `bench/wasm_kernels.ts: option '--threads' must be an integer >= 1; got ${process.argv[threadsAt + 1]}`,
  );
}

type Info = tf.TensorInfo;
interface Case {
  name: string;
  kernel: string;
  inputs: Record<string, { shape: number[]; dtype?: 'float32' | 'int32'; values?: Int32Array }>;
  attrs: Record<string, unknown>;
  /** Baseline when there is no stock kernel. */
  baseline?: {
    what: string;
    kernel: string;
    inputs?: Case['inputs'];
    attrs?: Record<string, unknown>;
    cpu?: boolean;
  };
}

const conv = (n: number, h: number, ci: number, co: number, k: number, s: number): Case[] => {
  const oh = Math.ceil(h / s);
  const tag = `${k}x${k} ${ci}->${co} s${s} on [${n},${h},${h},${ci}]`;
  const fwd = {
    kernel: 'Conv2D',
    inputs: { x: { shape: [n, h, h, ci] }, filter: { shape: [k, k, ci, co] } },
    attrs: { strides: s, pad: 'same', dilations: 1, dataFormat: 'NHWC' },
  };
  return [
    {
      name: `Conv2DBackpropFilter ${tag}`,
      kernel: 'Conv2DBackpropFilter',
      inputs: { x: { shape: [n, h, h, ci] }, dy: { shape: [n, oh, oh, co] } },
      attrs: { strides: s, pad: 'same', dataFormat: 'NHWC', filterShape: [k, k, ci, co] },
      baseline: { what: 'forward Conv2D of the layer (same multiply-adds)', ...fwd },
    },
    {
      name: `Conv2DBackpropInput ${tag}`,
      kernel: 'Conv2DBackpropInput',
      inputs: { dy: { shape: [n, oh, oh, co] }, filter: { shape: [k, k, ci, co] } },
      attrs: { strides: s, pad: 'same', dataFormat: 'NHWC', inputShape: [n, h, h, ci] },
    },
  ];
};

function cases(): Case[] {
  const n = 32;
  const act = [n, 32, 32, 16];
  return [
    ...conv(n, 32, 16, 16, 3, 1),
    ...conv(n, 32, 16, 32, 3, 2),
    ...conv(n, 32, 16, 32, 1, 2),
    ...conv(n, 16, 32, 32, 3, 1),
    ...conv(n, 8, 64, 64, 3, 1),
    {
      name: 'Tile [1,1,1,16] -> [32,32,32,16]',
      kernel: 'Tile',
      inputs: { x: { shape: [1, 1, 1, 16] } },
      attrs: { reps: [32, 32, 32, 1] },
    },
    {
      name: 'Tile [32,1,1,64] -> [32,8,8,64]',
      kernel: 'Tile',
      inputs: { x: { shape: [32, 1, 1, 64] } },
      attrs: { reps: [1, 8, 8, 1] },
    },
    {
      name: 'UnsortedSegmentSum [128,64] into 128 (gather gradient)',
      kernel: 'UnsortedSegmentSum',
      inputs: {
        x: { shape: [128, 64] },
        segmentIds: {
          shape: [128],
          dtype: 'int32',
          values: Int32Array.from({ length: 128 }, (_, i) => (i * 37) % 128),
        },
      },
      attrs: { numSegments: 128 },
      baseline: { what: 'cpu backend', kernel: 'UnsortedSegmentSum', cpu: true },
    },
    {
      name: 'BatchMatMul [256,512]x[512,256] transposeA',
      kernel: 'BatchMatMul',
      inputs: { a: { shape: [1, 512, 256] }, b: { shape: [1, 512, 256] } },
      attrs: { transposeA: true, transposeB: false },
    },
    {
      name: 'BatchMatMul [256,512]x[512,256] transposeB',
      kernel: 'BatchMatMul',
      inputs: { a: { shape: [1, 256, 512] }, b: { shape: [1, 256, 512] } },
      attrs: { transposeA: false, transposeB: true },
    },
    {
      name: 'BatchMatMul dense grad [32,64]^T x [32,10]',
      kernel: 'BatchMatMul',
      inputs: { a: { shape: [1, 32, 64] }, b: { shape: [1, 32, 10] } },
      attrs: { transposeA: true, transposeB: false },
    },
    {
      name: 'BatchMatMul batch 8 [64,128]x[128,64]',
      kernel: 'BatchMatMul',
      inputs: { a: { shape: [8, 64, 128] }, b: { shape: [8, 128, 64] } },
      attrs: { transposeA: false, transposeB: false },
    },
    {
      name: 'BatchMatMul batch 8 x shared [128,64]',
      kernel: 'BatchMatMul',
      inputs: { a: { shape: [8, 64, 128] }, b: { shape: [1, 128, 64] } },
      attrs: { transposeA: false, transposeB: false },
    },
    { name: 'Identity [32,32,32,16]', kernel: 'Identity', inputs: { x: { shape: act } }, attrs: {} },
    {
      name: 'Mean [32,32,32,16] over [0,1,2] (BN statistics)',
      kernel: 'Mean',
      inputs: { x: { shape: act } },
      attrs: { axis: [0, 1, 2], keepDims: false },
    },
    {
      name: 'Sum [32,32,32,16] over [0,1,2] (BN gradient)',
      kernel: 'Sum',
      inputs: { x: { shape: act } },
      attrs: { axis: [0, 1, 2], keepDims: false },
    },
    {
      name: 'Mean [32,32,32,16] over [1,2] (global pool)',
      kernel: 'Mean',
      inputs: { x: { shape: act } },
      attrs: { axis: [1, 2], keepDims: false },
    },
    {
      name: 'Multiply [32,32,32,16] x [16] (BN scale)',
      kernel: 'Multiply',
      inputs: { a: { shape: act }, b: { shape: [16] } },
      attrs: {},
    },
    {
      name: 'Sub [32,16,16,32] - [32] (BN centring)',
      kernel: 'Sub',
      inputs: { a: { shape: [n, 16, 16, 32] }, b: { shape: [32] } },
      attrs: {},
    },
    {
      name: 'Multiply [32,8,8,64] x [32,1,1,64] (channel gate)',
      kernel: 'Multiply',
      inputs: { a: { shape: [n, 8, 8, 64] }, b: { shape: [n, 1, 1, 64] } },
      attrs: {},
    },
    {
      name: 'Multiply [64] x [] (optimizer, small)',
      kernel: 'Multiply',
      inputs: { a: { shape: [64] }, b: { shape: [] } },
      attrs: {},
    },
    {
      name: 'Add [3,3,16,16] + [3,3,16,16] (optimizer, small)',
      kernel: 'Add',
      inputs: { a: { shape: [3, 3, 16, 16] }, b: { shape: [3, 3, 16, 16] } },
      attrs: {},
    },
    {
      name: 'Square [32,32,32,16] (BN variance)',
      kernel: 'Square',
      inputs: { x: { shape: act } },
      attrs: {},
    },
  ];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function makeInputs(backend: tf.KernelBackend, spec: Case['inputs']): Record<string, Info> {
  const out: Record<string, Info> = {};
  let seed = 1;
  for (const [k, v] of Object.entries(spec)) {
    const size = v.shape.reduce((a, b) => a * b, 1);
    const values =
      v.values ??
      Float32Array.from({ length: size }, () => {
        seed = (seed * 16807) % 2147483647;
        return (seed / 2147483647) * 2 - 1;
      });
    const dataId = backend.write(values, v.shape, v.dtype ?? 'float32');
    out[k] = { dataId, shape: v.shape, dtype: v.dtype ?? 'float32' };
  }
  return out;
}

/** Milliseconds of one call of `fn` on backend-level data (the output is released right away). */
function timeCall(
  backend: tf.KernelBackend,
  fn: tf.KernelFunc,
  inputs: Record<string, Info>,
  attrs: Record<string, unknown>,
): number {
  const t0 = performance.now();
  const out = fn({ inputs, backend, attrs } as unknown as Parameters<tf.KernelFunc>[0]) as Info;
  const ms = performance.now() - t0;
  backend.disposeData(out.dataId);
  return ms;
}

function benchKernels(reps: number) {
  const wasm = tf.findBackend('wasm') as unknown as BackendWasm;
  const cpu = tf.findBackend('cpu')!;
  const results = [];
  for (const c of cases()) {
    const ours = tf.getKernel(c.kernel, 'wasm')!;
    if (!isOurWasmKernel(c.kernel)) throw new Error(`${c.kernel}: ours is not registered`);
    const stock = stockWasmKernel(c.kernel);
    const base = c.baseline;
    const baseBackend = base?.cpu ? cpu : (wasm as unknown as tf.KernelBackend);
    const baseFunc =
      stock?.kernelFunc ??
      (base ? tf.getKernel(base.kernel, base.cpu ? 'cpu' : 'wasm')?.kernelFunc : undefined);
    const inputs = makeInputs(wasm as unknown as tf.KernelBackend, c.inputs);
    const baseInputs = baseFunc
      ? makeInputs(baseBackend, stock ? c.inputs : (base?.inputs ?? c.inputs))
      : undefined;
    const baseAttrs = stock ? c.attrs : (base?.attrs ?? c.attrs);
    const oursMs: number[] = [];
    const baseMs: number[] = [];
    // warm-up: operator creation, JIT
    timeCall(wasm as unknown as tf.KernelBackend, ours.kernelFunc, inputs, c.attrs);
    if (baseFunc && baseInputs) timeCall(baseBackend, baseFunc, baseInputs, baseAttrs);
    const baseReps = base?.cpu ? Math.min(reps, 3) : reps;
    for (let r = 0; r < reps; r++) {
      oursMs.push(timeCall(wasm as unknown as tf.KernelBackend, ours.kernelFunc, inputs, c.attrs));
      if (baseFunc && baseInputs && r < baseReps)
        baseMs.push(timeCall(baseBackend, baseFunc, baseInputs, baseAttrs));
    }
    for (const i of Object.values(inputs)) wasm.disposeData(i.dataId);
    for (const i of Object.values(baseInputs ?? {})) baseBackend.disposeData(i.dataId);
    const o = median(oursMs);
    const b = baseMs.length > 0 ? median(baseMs) : null;
    const row = {
      case: c.name,
      kernel: c.kernel,
      oursMs: +o.toFixed(3),
      baseline: stock ? 'stock tfjs-backend-wasm kernel' : (base?.what ?? null),
      baselineMs: b === null ? null : +b.toFixed(3),
      speedup: b === null ? null : +(b / o).toFixed(2),
    };
    results.push(row);
    console.log(
      `${c.name.padEnd(58)} ours ${o.toFixed(2).padStart(8)} ms   ${row.baseline ?? ''} ${b?.toFixed(2) ?? '-'} ms   x${row.speedup ?? '-'}`,
    );
  }
  return results;
}

/** Seconds per gated ResNet-20 training step, ours and stock alternating step by step. */
async function benchSteps(batch: number, steps: number) {
  const model = createModel('resnet20', { gating: 'channel', seed: 1 });
  const optimizer = tf.train.momentum(0.05, 0.9);
  const images = tf.randomNormal<tf.Rank.R4>([batch, 32, 32, 3], 0, 1, 'float32', 2);
  const labels = tf.tensor1d(
    Int32Array.from({ length: batch }, (_, i) => i % 10),
    'int32',
  );
  const step = () => {
    const t0 = performance.now();
    const losses = trainStep(model, optimizer, images, labels, { gamma: 0.75, lambda: 0.1 });
    losses.total.dataSync();
    tf.dispose(Object.values(losses));
    return performance.now() - t0;
  };
  const ours: number[] = [];
  const stock: number[] = [];
  step();
  restoreStockWasmKernels();
  step();
  for (let i = 0; i < steps; i++) {
    registerWasmKernels();
    ours.push(step());
    restoreStockWasmKernels();
    stock.push(step());
  }
  registerWasmKernels();
  // Per-kernel profile of one step with our kernels.
  const info = await tf.profile(() => {
    step();
  });
  tf.dispose([images, labels]);
  optimizer.dispose();
  model.dispose();
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.calls += 1;
    byKernel.set(k.name, e);
  }
  const total = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
  const profile = [...byKernel]
    .map(([kernel, e]) => ({
      kernel,
      ms: +e.ms.toFixed(2),
      share: +(e.ms / total).toFixed(4),
      calls: e.calls,
    }))
    .sort((p, q) => q.ms - p.ms)
    .slice(0, 25);
  const o = median(ours);
  const s = median(stock);
  return {
    batch,
    stepsEach: steps,
    oursImagesPerSecond: +((batch / o) * 1000).toFixed(1),
    stockImagesPerSecond: +((batch / s) * 1000).toFixed(1),
    speedup: +(s / o).toFixed(2),
    profileOurs: profile,
  };
}

/** Median ms of a forward 3x3 64->64 conv on [32,32,32,64]: how much the thread pool helps one big kernel. */
function forwardConvMs(): number {
  const x = tf.randomNormal<tf.Rank.R4>([32, 32, 32, 64], 0, 1, 'float32', 3);
  const w = tf.randomNormal<tf.Rank.R4>([3, 3, 64, 64], 0, 1, 'float32', 4);
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    // (a block body: returning the read values from tidy would make tidy walk 2M numbers)
    tf.tidy(() => {
      tf.conv2d(x, w, 1, 'same').dataSync();
    });
    if (i > 0) times.push(performance.now() - t0);
  }
  tf.dispose([x, w]);
  return +median(times).toFixed(2);
}

/** Filter-gradient layer shapes: [batch, size, ci, co, kernel, stride] of the forward conv ('same' padding). */
const FILTER_GRAD_SHAPES: { model: string; layers: [number, number, number, number, number, number][] }[] = [
  {
    model: 'ResNet-20 (CIFAR) b32',
    layers: [
      [32, 32, 3, 16, 3, 1],
      [32, 32, 16, 16, 3, 1],
      [32, 32, 16, 32, 3, 2],
      [32, 16, 32, 32, 3, 1],
      [32, 16, 32, 64, 3, 2],
      [32, 8, 64, 64, 3, 1],
    ],
  },
  {
    model: 'ResNet-20 (CIFAR) b128',
    layers: [
      [128, 32, 16, 16, 3, 1],
      [128, 16, 32, 32, 3, 1],
      [128, 8, 64, 64, 3, 1],
    ],
  },
  {
    model: 'ResNet-18 224 b8',
    layers: [
      [8, 224, 3, 64, 7, 2],
      [8, 56, 64, 64, 3, 1],
      [8, 56, 64, 128, 3, 2],
      [8, 28, 128, 128, 3, 1],
      [8, 28, 128, 256, 3, 2],
      [8, 14, 256, 256, 3, 1],
      [8, 14, 256, 512, 3, 2],
      [8, 7, 512, 512, 3, 1],
    ],
  },
];

/** Both Conv2DBackpropFilter paths and the registered choice, alternating call by call; medians. */
function benchFilterGrad(reps: number) {
  const wasm = tf.findBackend('wasm') as unknown as tf.KernelBackend;
  const registered = tf.getKernel('Conv2DBackpropFilter', 'wasm')!.kernelFunc;
  const paths: FilterGradPath[] = ['swapped', 'gemm'];
  const funcs = paths.map((p) => conv2dBackpropFilterWithPath(p));
  const rows = [];
  for (const { model, layers } of FILTER_GRAD_SHAPES) {
    for (const [n, h, ci, co, k, s] of layers) {
      const oh = Math.ceil(h / s);
      const inputs = makeInputs(wasm, { x: { shape: [n, h, h, ci] }, dy: { shape: [n, oh, oh, co] } });
      const attrs = { strides: s, pad: 'same', dataFormat: 'NHWC', filterShape: [k, k, ci, co] };
      const macs = n * oh * oh * k * k * ci * co;
      // Fewer calls for the big layers (a ResNet-18 stage-1 gradient is ~1 GMAC).
      const r = macs > 4e8 ? Math.max(3, Math.min(reps, 5)) : reps;
      const times: number[][] = [[], [], []];
      for (const f of [...funcs, registered]) timeCall(wasm, f, inputs, attrs); // warm-up
      for (let i = 0; i < r; i++) {
        for (const [j, f] of [...funcs, registered].entries())
          times[j]!.push(timeCall(wasm, f, inputs, attrs));
      }
      for (const i of Object.values(inputs)) wasm.disposeData(i.dataId);
      const [swapped, gemm, chosen] = times.map(median) as [number, number, number];
      const row = {
        model,
        layer: `${k}x${k} ${ci}->${co} s${s} on [${n},${h},${h},${ci}]`,
        macs,
        calls: r,
        swappedMs: +swapped.toFixed(2),
        gemmMs: +gemm.toFixed(2),
        gemmSpeedup: +(swapped / gemm).toFixed(2),
        registeredMs: +chosen.toFixed(2),
        gemmGflops: +((2 * macs) / gemm / 1e6).toFixed(2),
      };
      rows.push(row);
      console.log(
        `${model.padEnd(24)} ${row.layer.padEnd(40)} swapped ${swapped.toFixed(2).padStart(8)} ms  gemm ${gemm.toFixed(2).padStart(8)} ms  x${row.gemmSpeedup}  registered ${chosen.toFixed(2)} ms`,
      );
    }
  }
  return rows;
}

/** Registers Conv2DBackpropFilter with its path forced ('swapped': the kernel before the GEMM path) or, with
 * no argument, the per-shape choice again. */
function useFilterGradPath(path?: FilterGradPath): void {
  tf.unregisterKernel(tf.Conv2DBackpropFilter, 'wasm');
  tf.registerKernel(
    path === undefined
      ? conv2dBackpropFilterConfig
      : { ...conv2dBackpropFilterConfig, kernelFunc: conv2dBackpropFilterWithPath(path) },
  );
}

/** Whole training steps with the swapped-only kernel and the registered choice, alternating step by step. */
async function benchFilterGradSteps(steps: number) {
  const models = [
    { model: 'resnet20' as const, gated: true, batch: 32, size: 32, steps },
    { model: 'resnet20' as const, gated: false, batch: 32, size: 32, steps },
    {
      model: 'resnet18' as const,
      gated: false,
      batch: 8,
      size: 224,
      steps: Math.max(2, Math.ceil(steps / 3)),
    },
  ];
  const rows = [];
  for (const m of models) {
    const fixture = trainStepFixture(m);
    const time = async () => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await fixture.step();
      const cpu = process.cpuUsage(c0);
      return { wall: performance.now() - t0, cpu: (cpu.user + cpu.system) / 1000 };
    };
    const runs: Record<'swapped' | 'chosen', { wall: number; cpu: number }[]> = { swapped: [], chosen: [] };
    useFilterGradPath('swapped');
    await fixture.step();
    useFilterGradPath();
    await fixture.step();
    for (let i = 0; i < m.steps; i++) {
      for (const which of i % 2 === 0 ? (['swapped', 'chosen'] as const) : (['chosen', 'swapped'] as const)) {
        useFilterGradPath(which === 'swapped' ? 'swapped' : undefined);
        runs[which].push(await time());
      }
    }
    useFilterGradPath();
    fixture.dispose();
    const rate = (xs: { wall: number; cpu: number }[], key: 'wall' | 'cpu') =>
      +((m.batch / median(xs.map((x) => x[key]))) * 1000).toFixed(2);
    const row = {
      model: `${m.model} ${m.gated ? 'gated' : 'dense'} ${m.size}x${m.size} b${m.batch}`,
      stepsEach: m.steps,
      swappedImagesPerCpuSecond: rate(runs.swapped, 'cpu'),
      chosenImagesPerCpuSecond: rate(runs.chosen, 'cpu'),
      swappedImagesPerSecond: rate(runs.swapped, 'wall'),
      chosenImagesPerSecond: rate(runs.chosen, 'wall'),
      speedupCpu: +(median(runs.swapped.map((r) => r.cpu)) / median(runs.chosen.map((r) => r.cpu))).toFixed(
        3,
      ),
    };
    rows.push(row);
    console.log(
      `${row.model.padEnd(28)} images per CPU-s: swapped only ${row.swappedImagesPerCpuSecond}, per-shape choice ${row.chosenImagesPerCpuSecond} (x${row.speedupCpu})`,
    );
  }
  return rows;
}

async function stepChild(threads: number): Promise<void> {
  const report = await initBackend('wasm', { wasmThreads: threads });
  const convMs = forwardConvMs();
  const runs = [];
  for (const batch of quick ? [32] : [32, 128]) runs.push(await benchSteps(batch, quick ? 2 : 4));
  process.stdout.write(
    `${JSON.stringify({ threads, backend: report.reason, forwardConv3x3x64Ms: convMs, runs })}\n`,
  );
}

async function main(): Promise<void> {
  await initBackend('cpu');
  const report = await initBackend('wasm', { wasmThreads: kernelThreads });
  if (filterGradOnly) {
    console.log(`Conv2DBackpropFilter paths (${report.reason}):`);
    const load0 = loadavg()[0];
    const rows = benchFilterGrad(quick ? 5 : 9);
    const trainingSteps = await benchFilterGradSteps(quick ? 2 : 6);
    const path = writeResult(
      kernelThreads === 1 ? 'wasm_filter_grad' : `wasm_filter_grad-threads${kernelThreads}`,
      {
        benchmark:
          'wasm Conv2DBackpropFilter: swapped-roles XNNPACK conv vs im2col + one GEMM vs the registered choice (same process, alternating calls, medians)',
        machine: machineInfo(),
        wasm: report.reason,
        loadAverage1m: { start: load0, end: loadavg()[0] },
        quick,
        layers: rows,
        trainingSteps,
      },
    );
    console.log(`wrote ${path}`);
    return;
  }
  console.log(`kernels (${report.reason}):`);
  const kernels = benchKernels(quick ? 5 : 15);
  if (kernelsOnly) {
    const path = writeResult(`wasm_kernels-threads${kernelThreads}`, {
      benchmark:
        'our wasm kernels vs stock tfjs-backend-wasm 4.22 (same process, alternating calls, medians)',
      machine: machineInfo(),
      wasm: report.reason,
      loadAverage1m: loadavg()[0],
      quick,
      kernels,
    });
    console.log(`wrote ${path}`);
    return;
  }
  const steps = [];
  for (const threads of [1, 2]) {
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        `--step-child=${threads}`,
        ...(quick ? ['--quick'] : []),
      ],
      { encoding: 'utf8', timeout: 900_000 },
    );
    if (child.status !== 0) throw new Error(`step child (${threads} threads) failed: ${child.stderr}`);
    const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!);
    steps.push(r);
    console.log(`forward 3x3 64->64 conv on [32,32,32,64], ${r.backend}: ${r.forwardConv3x3x64Ms} ms`);
    for (const run of r.runs) {
      console.log(
        `gated ResNet-20 step, ${r.backend}, batch ${run.batch}: ours ${run.oursImagesPerSecond} images/s, stock ${run.stockImagesPerSecond} images/s (x${run.speedup})`,
      );
    }
  }
  const path = writeResult('wasm_kernels', {
    benchmark:
      'our wasm kernels vs stock tfjs-backend-wasm 4.22 (same process, alternating calls, medians); gated ResNet-20 training step, ours vs stock',
    machine: machineInfo(),
    loadAverage1m: loadavg()[0],
    quick,
    kernels,
    trainingSteps: steps,
  });
  console.log(`wrote ${path}`);
}

if (childThreads !== undefined) await stepChild(Number(childThreads));
else await main();
