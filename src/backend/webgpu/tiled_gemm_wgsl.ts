// The WGSL skeleton shared by this folder's implicit-GEMM programs (conv2d_backprop_filter.ts,
// conv2d_backprop_input.ts): C[m, n] = sum_k A[m, k] * B[k, n], where A and B are never materialised: the
// program supplies `gemmA(m, k)` and `gemmB(k, n)`, which read the operands straight from the convolution's
// tensors (implicit GEMM, as in cuDNN's IMPLICIT_GEMM algorithm; Chetlur et al., "cuDNN: Efficient Primitives
// for Deep Learning", 2014), and `gemmStore(m, n, v)`, which writes a result.
//
// Classic shared-memory tiling: a workgroup owns a tileM x tileN block of C; it walks the reduction in steps of
// tileK, staging an A tile [tileK][tileM] and a B tile [tileK][tileN] in workgroup memory, and each thread
// accumulates a 4x4 micro-tile in registers (rows ty + i*TY, columns tx + j*TX: strided so that neighbouring
// threads read neighbouring words and write neighbouring outputs). The reduction range of a workgroup is
// [kBegin, kEnd) (programs that split the reduction over workgroups pass their own bounds); the loop count
// comes from a uniform so that the barriers sit in uniform control flow, as WGSL requires.
//
// Loads are spread over the workgroup's threads along the operand's contiguous axis ('m'/'n' or 'k'), so that
// consecutive threads read consecutive addresses of the underlying NHWC / HWIO tensor.

/** Tile sizes of one GEMM program; tileM, tileN in {16, 32, 64} (multiples of 16), tileK 16. */
export interface GemmTiling {
  tileM: number;
  tileN: number;
  tileK: number;
}

/** Along which axis consecutive threads load an operand: the one contiguous in memory. */
export interface GemmLoadOrder {
  a: 'm' | 'k';
  b: 'n' | 'k';
}

/** WGSL expressions the skeleton needs from the program. */
export interface GemmBounds {
  /** Number of tileK steps; must be uniform (built from `uniforms.*` only). */
  numKTiles: string;
  /** First reduction index of this workgroup (may use workgroupId). */
  kBegin: string;
  /** One past the last reduction index of this workgroup. */
  kEnd: string;
  /**
   * Row tiles before this dispatch's first (a uniform; default 0): a C with more row tiles than a dispatch
   * dimension allows (65535 workgroups) is covered by several dispatches of the same program.
   */
  rowTileOffset?: string;
}

const MICRO = 4;

/** Tiles for a C of `rows` x `cols`: as large as the output allows, at most 64 x 64 (256 threads). */
export function chooseGemmTiling(rows: number, cols: number): GemmTiling {
  const tileN = cols >= 48 ? 64 : cols > 16 ? 32 : 16;
  const tileM = rows >= 48 ? 64 : 32;
  return { tileM, tileN, tileK: 16 };
}

/** Workgroup size [x, y, 1] of a program using `tiling`: x runs over columns, y over rows. */
export function gemmWorkgroupSize(t: GemmTiling): [number, number, number] {
  return [t.tileN / MICRO, t.tileM / MICRO, 1];
}

/** A short key naming the tiling and load order, for the program's shader key. */
export function gemmKey(t: GemmTiling, order: GemmLoadOrder): string {
  return `${t.tileM}x${t.tileN}x${t.tileK}${order.a}${order.b}`;
}

function checkTiling(t: GemmTiling): void {
  const threads = (t.tileM / MICRO) * (t.tileN / MICRO);
  const ok =
    t.tileM % 16 === 0 &&
    t.tileN % 16 === 0 &&
    t.tileK === 16 &&
    threads <= 256 &&
    threads >= t.tileM && // setup hooks decode one row (and one k) per thread
    threads >= t.tileN &&
    threads % t.tileK === 0 &&
    (t.tileK * t.tileM) % threads === 0 &&
    (t.tileK * t.tileN) % threads === 0;
  if (!ok) {
    throw new Error(
      `tiledGemmMain: argument 'tiling' must have tileM, tileN multiples of 16 with tileM*tileN <= 4096 and tileK 16; got ${JSON.stringify(t)}`,
    );
  }
}

/** Statements loading one operand tile into workgroup memory (unrolled; `count` loads per thread). */
function loadTile(
  tile: string,
  fn: string,
  outer: number,
  fastAlongOuter: boolean,
  threads: number,
  tileK: number,
  outerBase: string,
  aFirst: boolean,
): string {
  const count = (tileK * outer) / threads;
  const lines: string[] = [];
  // gemmA(mm, kk, m, k) / gemmB(kk, nn, k, n): tile-local indices, then global ones
  const call = (o: string, kk: string) =>
    aFirst
      ? `${fn}(${o}, ${kk}, ${outerBase} + ${o}, k0 + ${kk})`
      : `${fn}(${kk}, ${o}, k0 + ${kk}, ${outerBase} + ${o})`;
  if (fastAlongOuter) {
    // thread -> fixed outer index, k rows strided by threads / outer
    lines.push(`let ${tile}O = tid % ${outer}; let ${tile}K = tid / ${outer};`);
    for (let i = 0; i < count; i++) {
      const kk = `${tile}K + ${i * (threads / outer)}`;
      lines.push(
        `{ let kk = ${kk}; var v = 0.0; if (k0 + kk < kEnd) { v = ${call(`${tile}O`, 'kk')}; } ${tile}[kk * ${outer} + ${tile}O] = v; }`,
      );
    }
  } else {
    // thread -> fixed k, outer indices strided by threads / tileK
    lines.push(`let ${tile}K = tid % ${tileK}; let ${tile}O = tid / ${tileK};`);
    for (let i = 0; i < count; i++) {
      const oo = `${tile}O + ${i * (threads / tileK)}`;
      lines.push(
        `{ let oo = ${oo}; var v = 0.0; if (k0 + ${tile}K < kEnd) { v = ${call('oo', `${tile}K`)}; } ${tile}[${tile}K * ${outer} + oo] = v; }`,
      );
    }
  }
  return lines.join('\n      ');
}

/**
 * Workgroup arrays and `fn main()` of a tiled GEMM. Rows are tiled along workgroupId.y, columns along
 * workgroupId.x. The program's own code must define (mm, nn, kk: indices inside the tile; m, n, k: in C):
 *   fn gemmPrologue()                                   every thread, first (may set private variables)
 *   fn gemmWorkgroupSetup(tid : i32, rowBase : i32, colBase : i32)
 *                                                       before the reduction, then a barrier: per-row/column
 *                                                       index decoding into workgroup arrays, done once
 *   fn gemmTileSetup(tid : i32, k0 : i32, kEnd : i32)   at each tileK step, then a barrier: per-k decoding
 *   fn gemmA(mm : i32, kk : i32, m : i32, k : i32) -> f32   (0 outside the operand; k < kEnd is checked here)
 *   fn gemmB(kk : i32, nn : i32, k : i32, n : i32) -> f32
 *   fn gemmStore(mm : i32, nn : i32, m : i32, n : i32, v : f32)   (must ignore m, n outside C)
 * The setup hooks let a program decode an index (integer divisions, costly on a GPU) once per tile row or
 * column instead of once per loaded element.
 */
export function tiledGemmMain(t: GemmTiling, order: GemmLoadOrder, bounds: GemmBounds): string {
  checkTiling(t);
  const tx = t.tileN / MICRO;
  const ty = t.tileM / MICRO;
  const threads = tx * ty;
  const acc: string[] = [];
  const fma: string[] = [];
  const store: string[] = [];
  for (let i = 0; i < MICRO; i++) {
    for (let j = 0; j < MICRO; j++) {
      acc.push(`var c${i}${j} = 0.0;`);
      fma.push(`c${i}${j} = fma(a${i}, b${j}, c${i}${j});`);
      const [mm, nn] = [`ty + ${i * ty}`, `tx + ${j * tx}`];
      store.push(`gemmStore(${mm}, ${nn}, rowBase + ${mm}, colBase + ${nn}, c${i}${j});`);
    }
  }
  const readA = Array.from(
    { length: MICRO },
    (_, i) => `let a${i} = gemmTileA[kk * ${t.tileM} + ty + ${i * ty}];`,
  );
  const readB = Array.from(
    { length: MICRO },
    (_, j) => `let b${j} = gemmTileB[kk * ${t.tileN} + tx + ${j * tx}];`,
  );
  return `
  var<workgroup> gemmTileA : array<f32, ${t.tileK * t.tileM}>;
  var<workgroup> gemmTileB : array<f32, ${t.tileK * t.tileN}>;

  fn main() {
    gemmPrologue();
    let tid = i32(localIndex);
    let tx = tid % ${tx};
    let ty = tid / ${tx};
    let rowBase = (${bounds.rowTileOffset ?? '0'} + i32(workgroupId.y)) * ${t.tileM};
    let colBase = i32(workgroupId.x) * ${t.tileN};
    let kBegin = ${bounds.kBegin};
    let kEnd = ${bounds.kEnd};
    ${acc.join(' ')}
    gemmWorkgroupSetup(tid, rowBase, colBase);
    workgroupBarrier();
    let numKTiles = ${bounds.numKTiles};
    for (var kt = 0; kt < numKTiles; kt++) {
      let k0 = kBegin + kt * ${t.tileK};
      gemmTileSetup(tid, k0, kEnd);
      workgroupBarrier();
      ${loadTile('gemmTileA', 'gemmA', t.tileM, order.a === 'm', threads, t.tileK, 'rowBase', true)}
      ${loadTile('gemmTileB', 'gemmB', t.tileN, order.b === 'n', threads, t.tileK, 'colBase', false)}
      workgroupBarrier();
      for (var kk = 0; kk < ${t.tileK}; kk++) {
        ${readA.join(' ')}
        ${readB.join(' ')}
        ${fma.join('\n        ')}
      }
      workgroupBarrier();
    }
    ${store.join('\n    ')}
  }
`;
}
