#!/usr/bin/env bash
# CI for the GPU path on a software GPU (Mesa's lavapipe, prepared by scripts/setup_lavapipe.sh): every
# backend-parameterised test on webgpu (npm test has run them on cpu and wasm) and every webgpu kernel test (those
# skip in npm test, where no adapter is prepared: they name WEBGPU_SKIP), notebooks 00 and 01 in smoke
# mode on webgpu, and `doctor --backend webgpu`. Needs `npm run build` done (the notebooks and the CLI use dist/).
# The notebooks also run on Deno's kernel, where webgpu is Deno's own WebGPU (not Dawn).
# Usage: scripts/ci_webgpu.sh   (from .ci/run, after npm test)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
phase() { echo "ci_webgpu: $* ($((SECONDS - start)) s)"; }

scripts/setup_lavapipe.sh
# shellcheck disable=SC1091
source .cache/lavapipe/env.sh

phase "backend-parameterised tests on webgpu"
mapfile -t files < <(grep -rlE "TEST_BACKENDS|WEBGPU_READY|WEBGPU_SKIP" test --include='*.test.ts' | sort)
BATCH_SHAPING_TEST_BACKENDS=webgpu node scripts/run-tests.mjs "${files[@]}"

phase "notebooks 00 and 01 on webgpu (smoke)"
BATCH_SHAPING_BACKEND=webgpu /usr/bin/python3 scripts/run_notebooks.py 00 01

phase "notebooks 00 and 01 on webgpu under Deno's kernel (Deno's own WebGPU, smoke)"
BATCH_SHAPING_BACKEND=webgpu /usr/bin/python3 scripts/run_notebooks.py --kernel deno 00 01

phase "doctor on webgpu"
node bin/batch-shaping.js doctor --backend webgpu --steps 2 --batch 8

phase "done"
