// JSON from files and flags cannot pollute objects: `__proto__` / `constructor` keys in a run's config, in
// `--set` paths and in a dataset's meta.json are refused or stay plain data; Object.prototype is never touched.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveTrainConfig } from '../../src/cli/train_command.js';
import { readMeta } from '../../src/data/meta_file.js';
import { SCHEMA_VERSION } from '../../src/data/schema.js';
import { getPreset } from '../../src/train/presets.js';
import { readRunConfig } from '../../src/train/run_state.js';

const root = mkdtempSync(join(tmpdir(), 'bs-hostile-json-'));
after(() => rmSync(root, { recursive: true, force: true }));
const polluted = () => (Object.prototype as Record<string, unknown>).polluted;

describe('hostile JSON keys', () => {
  it('--set paths through __proto__ or constructor are refused', () => {
    for (const set of [
      '__proto__.polluted=1',
      'constructor.prototype.polluted=1',
      'optim.__proto__.polluted=1',
    ]) {
      assert.throws(() => resolveTrainConfig({ preset: 'tiny', set: [set] }), /unknown field/, set);
    }
    assert.equal(polluted(), undefined);
  });

  it("a run's config.json with a __proto__ key is refused, naming the file", async () => {
    const run = join(root, 'run');
    mkdirSync(run);
    const text = JSON.stringify(getPreset('tiny')).replace('{', '{"__proto__": {"polluted": 1},');
    writeFileSync(join(run, 'config.json'), text);
    await assert.rejects(readRunConfig(run), /config\.json: train config: unknown field '__proto__'/);
    assert.equal(polluted(), undefined);
  });

  it('a meta.json with __proto__ and constructor keys reads as plain data', async () => {
    const dir = join(root, 'ds');
    mkdirSync(dir);
    const meta = {
      schemaVersion: SCHEMA_VERSION,
      name: 'x',
      task: 'classification',
      classes: ['a', 'b'],
      imageShape: [2, 2, 1],
      splits: {},
      mean: [0.5],
      std: [0.2],
      sources: [],
      difficulty: false,
    };
    const text = JSON.stringify(meta).replace(
      '{',
      '{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}},',
    );
    writeFileSync(join(dir, 'meta.json'), text);
    const read = await readMeta(dir).catch((err: Error) => err);
    if (!(read instanceof Error)) assert.equal(Object.getPrototypeOf(read), Object.prototype);
    assert.equal(polluted(), undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
