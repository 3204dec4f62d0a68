import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { atomicWriteFile } from '../../src/io/atomic_write.js';
import {
  applyCheckpoint,
  disposeCheckpoint,
  loadCheckpoint,
  OPTIMIZER_PREFIX,
  readCheckpointInfo,
  saveCheckpoint,
} from '../../src/models/checkpoint.js';
import { decodeSafetensors, encodeSafetensors, hostTensor } from '../../src/models/safetensors.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';

const ATOMIC_WRITE_MODULE = fileURLToPath(new URL('../../src/io/atomic_write.ts', import.meta.url));

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh empty directory for one test. */
function freshDir(name: string): string {
  const d = join(dir, name);
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d);
  return d;
}

/** A small model-like set of variables: conv weight, BN buffers (float32), a step counter (int32). */
function makeVariables(seed: number): Record<string, tf.Variable> {
  return tf.tidy(() => ({
    'conv1.weight': tf.variable(tf.randomNormal([3, 3, 2, 4], 0, 1, 'float32', seed)),
    'bn1.running_mean': tf.variable(tf.randomUniform([4], -1, 1, 'float32', seed + 1), false),
    'bn1.running_var': tf.variable(tf.randomUniform([4], 0.5, 2, 'float32', seed + 2), false),
    'gate.counts': tf.variable(tf.tensor1d([seed, seed + 1, seed + 2], 'int32'), false),
  }));
}

async function snapshot(vars: Record<string, tf.Tensor>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(vars)) out[k] = Array.from(await v.data());
  return out;
}

const CONFIG = { name: 'cifar_resnet20_gated', gating: { tau: 2 / 3, biasInit: 3 }, widths: [16, 32, 64] };

for (const backend of TEST_BACKENDS) {
  describe(`checkpoint round trip on ${backend}`, () => {
    before(async () => {
      await useBackend(backend);
    });

    it('saves and loads tensors, config, optimizer state and extra exactly, leaking nothing', async () => {
      const base = tf.memory().numTensors;
      const vars = makeVariables(1);
      const moments = { 'conv1.weight/momentum': tf.fill([3, 3, 2, 4], 0.25), step: tf.scalar(17, 'int32') };
      const extra = { epoch: 3, rng: [1, 2, 3], metrics: { top1: 0.5 } };
      const path = join(freshDir(`rt-${backend}`), 'run', 'ckpt.safetensors');
      const saved = await saveCheckpoint(path, { tensors: vars, config: CONFIG, optimizer: moments, extra });
      assert.equal(saved.bytes, readFileSync(path).byteLength);
      const withVars = tf.memory().numTensors;

      const loaded = await loadCheckpoint<typeof CONFIG, typeof extra>(path);
      assert.deepEqual(loaded.config, CONFIG);
      assert.deepEqual(loaded.extra, extra);
      assert.equal(loaded.metadata.format, 'tfjs');
      assert.deepEqual(Object.keys(loaded.tensors).sort(), Object.keys(vars).sort());
      assert.deepEqual(await snapshot(loaded.tensors), await snapshot(vars));
      for (const [name, v] of Object.entries(vars)) assert.equal(loaded.tensors[name]!.dtype, v.dtype);
      assert.deepEqual(Object.keys(loaded.optimizer ?? {}).sort(), Object.keys(moments).sort());
      assert.deepEqual(await snapshot(loaded.optimizer!), await snapshot(moments));
      assert.equal(loaded.optimizer!.step!.dtype, 'int32');

      // Into a second model with other values: every variable takes the saved value.
      const other = makeVariables(99);
      const report = applyCheckpoint(other, loaded);
      assert.deepEqual(report.assigned.sort(), Object.keys(vars).sort());
      disposeCheckpoint(loaded);
      assert.deepEqual(
        await snapshot(other),
        await snapshot(vars),
        'values survive disposing the loaded tensors',
      );

      tf.dispose([...Object.values(vars), ...Object.values(moments), ...Object.values(other)]);
      assert.equal(tf.memory().numTensors, base, `leaked (with vars: ${withVars})`);
    });
  });
}

describe('checkpoint file layout', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('is one safetensors file: model tensors by name, optimizer under a prefix, JSON in __metadata__', async () => {
    const vars = makeVariables(2);
    const path = join(freshDir('layout'), 'ckpt.safetensors');
    await saveCheckpoint(path, {
      tensors: vars,
      config: CONFIG,
      optimizer: { m: tf.zeros([2]) },
      extra: { step: 5 },
    });
    const { tensors, metadata } = decodeSafetensors(readFileSync(path), path);
    assert.deepEqual(Object.keys(tensors).sort(), [...Object.keys(vars), `${OPTIMIZER_PREFIX}m`].sort());
    assert.equal(tensors['gate.counts']!.dtype, 'I32');
    assert.deepEqual(JSON.parse(metadata['batch_shaping.config']!), CONFIG);
    assert.deepEqual(JSON.parse(metadata['batch_shaping.extra']!), { step: 5 });
    assert.equal(metadata['batch_shaping.version'], '1');

    const info = await readCheckpointInfo(path);
    assert.deepEqual(info.config, CONFIG);
    assert.deepEqual(info.extra, { step: 5 });
    assert.deepEqual(info.optimizer, [{ name: 'm', dtype: 'F32', shape: [2] }]);
    assert.deepEqual(
      info.tensors.find((t) => t.name === 'conv1.weight'),
      { name: 'conv1.weight', dtype: 'F32', shape: [3, 3, 2, 4] },
    );
    tf.dispose(Object.values(vars));
  });

  it('stores a float32 cast of int32 or bool tensors as floats (the cpu cast keeps the source buffer)', async () => {
    const path = join(freshDir('cast'), 'ckpt.safetensors');
    const ints = tf.cast(tf.tensor1d([1, 2, 300], 'int32'), 'float32');
    const bools = tf.cast(tf.tensor1d([1, 0, 1], 'bool'), 'float32');
    await saveCheckpoint(path, { tensors: { ints, bools }, config: CONFIG });
    tf.dispose([ints, bools]);
    const loaded = await loadCheckpoint(path);
    assert.deepEqual(await snapshot(loaded.tensors), { ints: [1, 2, 300], bools: [1, 0, 1] });
    assert.equal(loaded.tensors.ints!.dtype, 'float32');
    disposeCheckpoint(loaded);
  });

  it('loads a plain safetensors file (no config) as model tensors', async () => {
    const path = join(freshDir('plain'), 'weights.safetensors');
    await atomicWriteFile(path, [
      encodeSafetensors({
        'fc.weight': hostTensor(new Float32Array([1, 2]), [1, 2]),
        px: hostTensor(new Uint8Array([3]), [1]),
      }),
    ]);
    const loaded = await loadCheckpoint(path);
    assert.equal(loaded.config, undefined);
    assert.equal(loaded.optimizer, undefined);
    assert.equal(loaded.verified, false);
    assert.match(loaded.note ?? '', /weights\.safetensors carries no integrity digest .*loaded unverified/);
    assert.deepEqual(await snapshot(loaded.tensors), { 'fc.weight': [1, 2], px: [3] });
    disposeCheckpoint(loaded);
  });

  it('records a digest of the whole file and refuses a copy with any byte of it flipped', async () => {
    const vars = makeVariables(6);
    const path = join(freshDir('digest'), 'ckpt.safetensors');
    await saveCheckpoint(path, { tensors: vars, config: CONFIG, extra: { epoch: 3 } });
    tf.dispose(Object.values(vars));
    const bytes = readFileSync(path);
    const { metadata, header } = decodeSafetensors(bytes, path);
    assert.match(metadata['batch_shaping.sha256'] ?? '', /^[0-9a-f]{64}$/);
    const ok = await loadCheckpoint(path);
    assert.equal(ok.verified, true);
    assert.equal(ok.note, undefined);
    disposeCheckpoint(ok);
    // One flip inside tensor data (float bits: still a valid file), one in a digit of the stored extra JSON.
    const extraAt = bytes.indexOf('\\"epoch\\":3') + 10;
    assert.ok(extraAt > 10 && extraAt < header.dataStart);
    for (const [at, to] of [
      [header.dataStart + 5, bytes[header.dataStart + 5]! ^ 0x01],
      [extraAt, '4'.charCodeAt(0)],
    ] as const) {
      const bad = Buffer.from(bytes);
      bad[at] = to;
      const badPath = join(dir, 'digest', `flipped-${at}.safetensors`);
      writeFileSync(badPath, bad);
      await assert.rejects(
        loadCheckpoint(badPath),
        /loadCheckpoint: .*flipped-\d+\.safetensors is damaged: its contents do not match the SHA-256 digest.*Nothing was loaded/,
      );
    }
  });

  it('names the file when loading a corrupt or incompatible checkpoint', async () => {
    const d = freshDir('corrupt');
    const vars = makeVariables(3);
    const good = join(d, 'good.safetensors');
    await saveCheckpoint(good, { tensors: vars, config: CONFIG });
    const bytes = readFileSync(good);
    const truncated = join(d, 'truncated.safetensors');
    writeFileSync(truncated, bytes.subarray(0, bytes.byteLength - 3));
    await assert.rejects(
      loadCheckpoint(truncated),
      /truncated\.safetensors.*past the end of the data section/,
    );
    await assert.rejects(
      readCheckpointInfo(truncated),
      /truncated\.safetensors.*past the end of the data section/,
    );
    const tiny = join(d, 'tiny.safetensors');
    writeFileSync(tiny, bytes.subarray(0, 5));
    await assert.rejects(readCheckpointInfo(tiny), /tiny\.safetensors: file is 5 bytes; expected at least 8/);

    const newer = join(d, 'newer.safetensors');
    writeFileSync(
      newer,
      encodeSafetensors({}, { 'batch_shaping.version': '2', 'batch_shaping.config': '{}' }),
    );
    await assert.rejects(
      loadCheckpoint(newer),
      /newer\.safetensors: checkpoint layout version "2" is not supported; expected "1"/,
    );
    const badJson = join(d, 'badjson.safetensors');
    writeFileSync(badJson, encodeSafetensors({}, { 'batch_shaping.config': '{depth: 18' }));
    await assert.rejects(
      loadCheckpoint(badJson),
      /badjson\.safetensors: __metadata__\["batch_shaping\.config"\] is not valid JSON/,
    );
    await assert.rejects(loadCheckpoint(join(d, 'absent.safetensors')), /ENOENT/);
    tf.dispose(Object.values(vars));
  });

  it('refuses bad arguments with the function, argument and value in the message', async () => {
    const path = join(freshDir('args'), 'x.safetensors');
    const t = tf.scalar(1);
    await assert.rejects(saveCheckpoint('', { tensors: {}, config: {} }), /saveCheckpoint: argument 'path'/);
    await assert.rejects(
      saveCheckpoint(path, { tensors: { a: t }, config: { n: 1n } }),
      /saveCheckpoint: argument 'data.config' must be JSON-serialisable/,
    );
    await assert.rejects(
      saveCheckpoint(path, { tensors: { 'optimizer/a': t }, config: {} }),
      /must not start with 'optimizer\/'/,
    );
    await assert.rejects(
      saveCheckpoint(path, { tensors: { a: [1, 2] as unknown as tf.Tensor }, config: {} }),
      /saveCheckpoint: data.tensors\["a"\] must be a tf.Tensor; got object/,
    );
    const gone = tf.scalar(2);
    gone.dispose();
    await assert.rejects(
      saveCheckpoint(path, { tensors: { gone }, config: {} }),
      /data.tensors\["gone"\] is disposed/,
    );
    await assert.rejects(
      saveCheckpoint(path, { tensors: { s: tf.tensor(['a'], [1], 'string') }, config: {} }),
      /must be float32, int32 or bool; got string/,
    );
    assert.deepEqual(readdirSync(dirname(path)), [], 'refused saves write nothing');
    t.dispose();
  });
});

describe('applyCheckpoint validates everything before assigning anything', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('a shape mismatch throws naming the tensor and both shapes, and changes no variable', async () => {
    const target = makeVariables(4);
    const beforeValues = await snapshot(target);
    const src = makeVariables(5);
    // The bad tensor is the last one checked, so a check-as-you-go implementation would have assigned the rest.
    const loaded = { tensors: { ...src, 'gate.counts': tf.tensor1d([1, 2], 'int32') } };
    assert.throws(
      () => applyCheckpoint(target, loaded),
      /applyCheckpoint: .*nothing was assigned[\s\S]*tensor "gate.counts": expected shape \[3\] int32, found \[2\] int32/,
    );
    assert.throws(() => applyCheckpoint(target, loaded, { strict: false }), /gate.counts/);
    assert.deepEqual(await snapshot(target), beforeValues);
    tf.dispose([...Object.values(target), ...Object.values(loaded.tensors)]);
  });

  it('a checkpoint of another width lists five tensors, counts the rest and says why', async () => {
    const names = Array.from({ length: 40 }, (_, i) => `layer.${String(i).padStart(2, '0')}.weight`);
    const target = Object.fromEntries(names.map((n) => [n, tf.variable(tf.zeros([3, 3, 4, 8]))]));
    const loaded = { tensors: Object.fromEntries(names.map((n) => [n, tf.zeros([3, 3, 8, 16])])) };
    assert.throws(
      () => applyCheckpoint(target, loaded),
      (err: Error) => {
        const lines = err.message.split('\n');
        assert.equal(lines.length, 8, err.message);
        assert.match(
          lines[1]!,
          /tensor "layer.00.weight": expected shape \[3,3,4,8\] float32, found \[3,3,8,16\]/,
        );
        assert.match(lines[6]!, /and 35 more tensors of another shape or dtype/);
        assert.match(lines[7]!, /40 of 40 tensors differ: .*another width, depth or number of classes/);
        return true;
      },
    );
    tf.dispose([...Object.values(target), ...Object.values(loaded.tensors)]);
  });

  it('applying a model its own tensors keeps them alive and unchanged', async () => {
    const vars = makeVariables(12);
    const values = await snapshot(vars);
    applyCheckpoint(vars, { tensors: vars });
    assert.deepEqual(await snapshot(vars), values);
    tf.dispose(Object.values(vars));
  });

  it('a dtype mismatch throws and changes nothing', async () => {
    const target = makeVariables(6);
    const beforeValues = await snapshot(target);
    const loaded = { tensors: { ...makeVariables(7) } };
    loaded.tensors['gate.counts'] = tf.variable(tf.tensor1d([1, 2, 3], 'float32'));
    assert.throws(
      () => applyCheckpoint(target, loaded),
      /"gate.counts": expected shape \[3\] int32, found \[3\] float32/,
    );
    assert.deepEqual(await snapshot(target), beforeValues);
    tf.dispose([...Object.values(target), ...Object.values(loaded.tensors)]);
  });

  it('strict: missing and unexpected names throw; strict false assigns the common ones and reports the rest', async () => {
    const target = makeVariables(8);
    const beforeValues = await snapshot(target);
    const src = makeVariables(9);
    const srcValues = await snapshot(src);
    const { 'bn1.running_var': dropped, ...rest } = src;
    const loaded = { tensors: { ...rest, 'head.extra': tf.zeros([1]) } };
    assert.throws(
      () => applyCheckpoint(target, loaded),
      /missing from the checkpoint \(1\): "bn1.running_var"[\s\S]*unexpected in the checkpoint \(1\): "head.extra"/,
    );
    assert.deepEqual(await snapshot(target), beforeValues);
    const report = applyCheckpoint(target, loaded, { strict: false });
    assert.deepEqual(report.missing, ['bn1.running_var']);
    assert.deepEqual(report.unexpected, ['head.extra']);
    assert.deepEqual(report.assigned.sort(), ['bn1.running_mean', 'conv1.weight', 'gate.counts']);
    const now = await snapshot(target);
    for (const name of report.assigned) assert.deepEqual(now[name], srcValues[name], name);
    assert.deepEqual(now['bn1.running_var'], beforeValues['bn1.running_var']);
    tf.dispose([...Object.values(target), ...Object.values(src), loaded.tensors['head.extra']!, dropped]);
  });
});

describe('atomic write', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('a writer failing mid-file leaves the old checkpoint intact and no temporary file', async () => {
    const d = freshDir('atomic');
    const path = join(d, 'ckpt.safetensors');
    const oldVars = makeVariables(10);
    await saveCheckpoint(path, { tensors: oldVars, config: CONFIG, extra: { step: 1 } });
    const oldBytes = readFileSync(path);

    const newVars = makeVariables(11);
    let calls = 0;
    await assert.rejects(
      saveCheckpoint(
        path,
        { tensors: newVars, config: CONFIG, extra: { step: 2 } },
        {
          // Writes the header and half of the first tensor, then fails like a full disk would.
          writeChunk: async (handle, chunk) => {
            calls++;
            if (calls === 2) {
              await handle.write(chunk, 0, chunk.byteLength >> 1);
              throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
            }
            await handle.write(chunk);
          },
        },
      ),
      /saveCheckpoint: .*ckpt\.safetensors: no space left on the device \(ENOSPC\).*the previous ckpt\.safetensors \(if any\) is intact/,
    );
    assert.equal(calls, 2);
    assert.ok(readFileSync(path).equals(oldBytes), 'old checkpoint bytes unchanged');
    assert.deepEqual(readdirSync(d), ['ckpt.safetensors'], 'no temporary file left');
    const loaded = await loadCheckpoint(path);
    assert.deepEqual(loaded.extra, { step: 1 });
    assert.deepEqual(await snapshot(loaded.tensors), await snapshot(oldVars));
    disposeCheckpoint(loaded);

    // A successful save replaces it, again without leftovers.
    await saveCheckpoint(path, { tensors: newVars, config: CONFIG, extra: { step: 2 } });
    assert.deepEqual((await readCheckpointInfo(path)).extra, { step: 2 });
    assert.deepEqual(readdirSync(d), ['ckpt.safetensors']);
    tf.dispose([...Object.values(oldVars), ...Object.values(newVars)]);
  });

  it('a failure on a fresh path creates nothing', async () => {
    const d = freshDir('atomic-fresh');
    const path = join(d, 'new.safetensors');
    await assert.rejects(
      atomicWriteFile(path, [new Uint8Array(16)], {
        writeChunk: async () => {
          throw new Error('EIO');
        },
      }),
      /EIO/,
    );
    assert.deepEqual(readdirSync(d), []);
  });

  it('a process killed mid-write leaves the old file in place (a stray temporary file at most)', async () => {
    const d = freshDir('atomic-kill');
    const path = join(d, 'ckpt.safetensors');
    const old = encodeSafetensors({ w: hostTensor(new Float32Array([1, 2, 3]), [3]) }, { v: 'old' });
    writeFileSync(path, old);
    // The child writes part of a new file, then SIGKILLs itself: no cleanup code can run.
    const code = `
      import { atomicWriteFile } from ${JSON.stringify(ATOMIC_WRITE_MODULE)};
      await atomicWriteFile(${JSON.stringify(path)}, [new Uint8Array(64).fill(7), new Uint8Array(64)], {
        writeChunk: async (handle, chunk) => {
          await handle.write(chunk);
          if (chunk[0] === 0) process.kill(process.pid, 'SIGKILL');
        },
      });`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      encoding: 'utf8',
    });
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    assert.ok(readFileSync(path).equals(old), 'old file intact after the crash');
    const stray = readdirSync(d).filter((f) => f !== 'ckpt.safetensors');
    assert.equal(stray.length, 1);
    assert.match(stray[0]!, /^\.ckpt\.safetensors\.\d+\.[0-9a-f]{8}\.tmp$/);
    assert.equal(
      readFileSync(join(d, stray[0]!)).byteLength,
      128,
      'the partial data went to the temporary file',
    );
  });
});
