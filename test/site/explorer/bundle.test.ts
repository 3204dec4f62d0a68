// The gate explorer bundles for the browser from the library's own modules: esbuild (platform browser) builds
// site/explorer/main.ts, and no module of the library or the site on that path imports a Node built-in
// (node:fs, node:crypto, ...); the checkpoint loader, the models, the MAC count and the data transform are in it.
import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { describe, it } from 'node:test';
import * as esbuild from 'esbuild';

describe('the explorer bundle', () => {
  it('builds for the browser without a Node built-in on the library path', async () => {
    const result = await esbuild.build({
      entryPoints: ['site/explorer/main.ts'],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = result.metafile!.inputs;
    const ours = Object.keys(inputs).filter((p) => p.startsWith('src/') || p.startsWith('site/'));
    const builtins = new Set(builtinModules);
    const offending = ours.flatMap((p) =>
      inputs[p]!.imports.filter((i) => i.path.startsWith('node:') || builtins.has(i.path)).map(
        (i) => `${p} -> ${i.path}`,
      ),
    );
    assert.deepEqual(offending, []);
    for (const m of [
      'src/models/checkpoint_bytes.ts',
      'src/models/macs.ts',
      'src/models/resnet.ts',
      'src/data/eval_transform.ts',
      'src/backend/wasm/register_wasm_kernels.ts',
    ]) {
      assert.ok(ours.includes(m), `${m} is in the bundle`);
    }
    assert.ok(!ours.includes('src/models/checkpoint.ts'), 'the file-reading checkpoint module stays out');
  });
});
