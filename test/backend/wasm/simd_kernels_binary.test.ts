import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
// @ts-expect-error: a plain .mjs build script without type declarations
import { generate } from '../../../scripts/build_simd_kernels.mjs';

const wat = new URL('../../../src/backend/wasm/simd_kernels.wat', import.meta.url);
const generated = new URL('../../../src/backend/wasm/simd_kernels_binary.ts', import.meta.url);

describe('simd_kernels_binary.ts', () => {
  it('is what scripts/build_simd_kernels.mjs makes of simd_kernels.wat today (run it after editing the .wat)', async () => {
    const fresh = (await generate(readFileSync(wat, 'utf8'))) as string;
    assert.equal(readFileSync(generated, 'utf8'), fresh);
  });

  it('holds two valid modules that differ only in the memory they import (plain, shared)', async () => {
    const { SIMD_KERNELS_PLAIN, SIMD_KERNELS_SHARED } = await import(
      '../../../src/backend/wasm/simd_kernels_binary.js'
    );
    for (const [b64, shared] of [
      [SIMD_KERNELS_PLAIN, false],
      [SIMD_KERNELS_SHARED, true],
    ] as const) {
      const module = new WebAssembly.Module(Buffer.from(b64, 'base64'));
      assert.deepEqual(
        WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}:${i.kind}`),
        ['env.memory:memory'],
      );
      assert.ok(WebAssembly.Module.exports(module).some((e) => e.name === 'filterGrad'));
      const memory = new WebAssembly.Memory(
        shared ? { initial: 1, maximum: 16, shared: true } : { initial: 1 },
      );
      assert.ok(new WebAssembly.Instance(module, { env: { memory } }));
    }
  });
});
