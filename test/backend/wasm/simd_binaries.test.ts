import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
// @ts-expect-error: a plain .mjs build script without type declarations
import { generate, watSources } from '../../../scripts/build_simd_kernels.mjs';
import type { SimdBinary } from '../../../src/backend/wasm/simd_module.js';

const sources = watSources() as { name: string; wat: string; ts: string }[];

describe('our SIMD wasm modules (src/backend/wasm/simd/*.wat and their generated *_wasm.ts)', () => {
  it('finds the modules', () => {
    assert.ok(sources.some((s) => s.name === 'conv'));
  });

  for (const { name, wat, ts } of sources) {
    it(`${name}_wasm.ts is what scripts/build_simd_kernels.mjs makes of ${name}.wat today (rerun it after editing)`, async () => {
      const fresh = (await generate(readFileSync(wat, 'utf8'), wat)) as string;
      assert.equal(readFileSync(ts, 'utf8'), fresh);
    });

    it(`${name}: two valid modules that import only the memory (plain and shared) and instantiate on one`, async () => {
      const { BINARY } = (await import(pathToFileURL(ts).href)) as { BINARY: SimdBinary };
      assert.equal(BINARY.name, name);
      for (const [b64, shared] of [
        [BINARY.plain, false],
        [BINARY.shared, true],
      ] as const) {
        const module = new WebAssembly.Module(Buffer.from(b64, 'base64'));
        assert.deepEqual(
          WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}:${i.kind}`),
          ['env.memory:memory'],
        );
        assert.ok(WebAssembly.Module.exports(module).length > 0);
        const memory = new WebAssembly.Memory(
          shared ? { initial: 1, maximum: 16, shared: true } : { initial: 1 },
        );
        assert.ok(new WebAssembly.Instance(module, { env: { memory } }));
      }
    });
  }
});
