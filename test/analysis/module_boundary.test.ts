// Module rules (docs/architecture.md, section 2), checked on the sources: analysis has no tfjs at runtime (type-only imports at
// most) and imports no module that loads tfjs; notebook reaches tslab only through tslab_bridge.ts, lazily
// (no static import of 'tslab'), and depends on analysis only.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Runtime import specifiers of a file (`import type` and `export type` excluded). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms)) out.push(m[1]!);
  for (const m of text.matchAll(/^import\s+'([^']+)'/gm)) out.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*'([^']+)'\s*\)/g)) out.push(m[1]!);
  return out;
}

describe('module boundaries', () => {
  it('analysis: no tfjs, and only tfjs-free modules of data', () => {
    for (const file of sources('src/analysis')) {
      for (const spec of runtimeImports(file)) {
        assert.ok(!spec.startsWith('@tensorflow/'), `${file} imports ${spec} at runtime`);
        assert.ok(!spec.includes('tslab'), `${file} imports ${spec}`);
        if (!spec.startsWith('.')) continue;
        const target = relative('.', resolve(dirname(file), spec));
        // Plain I/O (no tensors): src/io, and of data meta.json, the schema and the shard reader.
        const allowed = ['meta_file', 'schema', 'shard_reader'].map((f) => `src/data/${f}.js`);
        assert.ok(
          target.startsWith('src/analysis/') || target.startsWith('src/io/') || allowed.includes(target),
          `${file} imports ${spec}`,
        );
      }
    }
  });

  it('the data files analysis uses load no tfjs either', () => {
    const files = ['meta_file', 'schema', 'shard_reader', 'shard_writer', 'seeded_random'].map(
      (f) => `src/data/${f}.ts`,
    );
    for (const file of [...files, ...sources('src/io')]) {
      for (const spec of runtimeImports(file)) {
        assert.ok(!spec.startsWith('@tensorflow/'), `${file} imports ${spec}`);
      }
    }
  });

  it('notebook: tslab only lazily through tslab_bridge.ts; analysis as the only library dependency', () => {
    for (const file of sources('src/notebook')) {
      for (const spec of runtimeImports(file)) {
        assert.ok(
          spec !== 'tslab' && !spec.startsWith('@tensorflow/'),
          `${file} imports ${spec} at load time`,
        );
        if (spec.startsWith('../')) assert.ok(spec.startsWith('../analysis/'), `${file} imports ${spec}`);
      }
    }
    assert.match(readFileSync('src/notebook/tslab_bridge.ts', 'utf8'), /requireHere\('tslab'\)/);
  });
});
