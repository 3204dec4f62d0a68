// The public entries (package.json "exports"): the root and the five subpaths. Each name has one home (no entry
// repeats another's), internals stay out, and importing every entry registers no backend and no kernel.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';

const SUBPATHS = ['data', 'analysis', 'inference', 'notebook', 'backend'] as const;

describe('public entries', () => {
  it('package.json exports the root and the five subpaths, with types for node10 too', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    assert.deepEqual(Object.keys(pkg.exports), ['.', ...SUBPATHS.map((s) => `./${s}`), './package.json']);
    for (const s of SUBPATHS) {
      assert.deepEqual(pkg.exports[`./${s}`], {
        types: `./dist/${s}/index.d.ts`,
        default: `./dist/${s}/index.js`,
      });
      assert.deepEqual(pkg.typesVersions['*'][s], [`./dist/${s}/index.d.ts`]);
    }
  });

  it('no name is exported by two entries; internals are exported by none', async () => {
    const kernelsBefore = tf.getKernelsForBackend('wasm').length + tf.getKernelsForBackend('webgpu').length;
    const backendsBefore = Object.keys(tf.engine().registryFactory).sort();
    const entries: Record<string, string[]> = { root: Object.keys(await import('../src/index.js')) };
    for (const s of SUBPATHS) entries[s] = Object.keys(await import(`../src/${s}/index.js`));
    const home = new Map<string, string>();
    for (const [entry, names] of Object.entries(entries)) {
      for (const name of names) {
        assert.equal(home.get(name), undefined, `${name} is exported by ${home.get(name)} and ${entry}`);
        home.set(name, entry);
      }
    }
    for (const internal of [
      'mixSeed',
      'escapeHtml',
      'median',
      'writeFileAtomic',
      'atomicWriteFile',
      'planSkip',
    ]) {
      assert.equal(
        home.get(internal),
        undefined,
        `${internal} is internal but exported by ${home.get(internal)}`,
      );
    }
    for (const name of ['tf', 'initBackend', 'createModel', 'trainOrResume', 'loadRun', 'showFigure']) {
      assert.equal(home.get(name), 'root', name);
    }
    assert.equal(home.get('prepareDataset'), 'data');
    assert.equal(home.get('compileConditional'), 'inference');
    assert.equal(home.get('probeBackends'), 'backend');
    // Importing registered nothing: backends, kernels and gradients are registered by initBackend.
    assert.deepEqual(Object.keys(tf.engine().registryFactory).sort(), backendsBefore);
    assert.equal(
      tf.getKernelsForBackend('wasm').length + tf.getKernelsForBackend('webgpu').length,
      kernelsBefore,
    );
  });
});
