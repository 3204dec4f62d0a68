// The GPU path under Deno: Deno has WebGPU built in (navigator.gpu, wgpu), so the webgpu backend runs there
// without Dawn. On an adapter (lavapipe in CI) our kernels match cpu and a gated ResNet-20 trains exactly as on
// wasm, as under Node (gated_resnet_steps.test.ts). The adapter probe of initBackend('auto') asks Deno's own
// WebGPU in a `deno eval` child. Each check runs in a Deno child process (test/helpers/deno.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AdapterProbe } from '../../../src/backend/webgpu/adapter_probe.js';
import { WEBGPU_READY } from '../../helpers/backends.js';
import { lastJsonLine, runDeno } from '../../helpers/deno.js';
import { expectStepsMatch } from '../../helpers/gated_resnet_steps.js';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const skip = WEBGPU_READY ? false : 'no WebGPU adapter (BATCH_SHAPING_WEBGPU_READY is not 1)';

describe('webgpu under Deno', () => {
  it("the adapter probe asks Deno's WebGPU and answers with an adapter or the reason there is none", () => {
    const res = runDeno(here('./deno_probe_child.ts'));
    assert.equal(res.status, 0, res.stderr);
    const out = lastJsonLine<{ deno: boolean; probe: AdapterProbe }>(res);
    assert.equal(out.deno, true);
    assert.ok(
      (out.probe.adapter === undefined) !== (out.probe.problem === undefined),
      JSON.stringify(out.probe),
    );
    if (out.probe.problem !== undefined) assert.match(out.probe.problem, /Deno \(wgpu\)/);
    if (WEBGPU_READY) assert.ok(out.probe.adapter, `an adapter was prepared but: ${out.probe.problem}`);
  });

  it("runs our kernels and a gated ResNet-20 on Deno's WebGPU, equal to cpu and wasm", { skip }, () => {
    const res = runDeno(here('./deno_webgpu_child.ts'), [], { timeoutMs: 300_000 });
    assert.equal(res.signal, null, `deno child was killed: ${res.stderr}`);
    assert.equal(res.status, 0, res.stderr);
    const out = lastJsonLine<{
      deno: boolean;
      reason: string;
      provider: string;
      convErr: number;
      addNInputs: number;
      addNErr: number;
      wasm: number[][];
      webgpu: number[][];
    }>(res);
    assert.equal(out.deno, true);
    assert.equal(out.provider, 'deno');
    assert.match(out.reason, /^Deno \(wgpu\) WebGPU adapter: /);
    assert.ok(out.convErr <= 1e-4, `conv gradients on Deno's WebGPU vs cpu: ${out.convErr}`);
    assert.ok(out.addNErr <= 1e-6, `AddN of ${out.addNInputs} tensors vs cpu: ${out.addNErr}`);
    console.log(expectStepsMatch(out.wasm, out.webgpu).join('\n'));
  });
});
