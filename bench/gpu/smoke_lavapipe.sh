#!/usr/bin/env bash
# Smoke test of the GPU benchmark without a GPU: Mesa's lavapipe (software Vulkan) as the WebGPU adapter,
# prepared by scripts/setup_lavapipe.sh (cached in .cache/lavapipe), then the benchmark in smoke mode (tiny
# sizes, one round, every kernel variant, the kernel A/B with its agreement check) with --strict: exits nonzero
# if any measurement failed, a loss is not finite, or ours and stock disagree. lavapipe measures correctness,
# not speed: its times say nothing about a GPU.
#   bash bench/gpu/smoke_lavapipe.sh            from the sources (npx tsx)
#   bash bench/gpu/smoke_lavapipe.sh --packed   from .gpu/ as pack.sh left it, through run_on_device.sh: the
#                                               device path minus the NVIDIA loader packages
# Writes $OUT/gpu-<date>.json (OUT defaults to /tmp/gpu-smoke). PyTorch runs on the CPU when python3 has torch.
set -euo pipefail
cd "$(dirname "$0")/../.."
packed=0
if [ "${1:-}" = --packed ]; then
  packed=1
  shift
fi
bash scripts/setup_lavapipe.sh > /dev/null
# shellcheck disable=SC1091
. .cache/lavapipe/env.sh
export OUT=${OUT:-/tmp/gpu-smoke}
mkdir -p "$OUT"
torch=()
python3 -c 'import torch' 2> /dev/null || torch=(--no-torch)
if [ "$packed" = 1 ]; then
  [ -f .gpu/nm.tar.xz ] || { echo "smoke_lavapipe: run bash bench/gpu/pack.sh first" >&2; exit 1; }
  BS_SKIP_LOADERS=1 bash bench/gpu/run_on_device.sh --smoke --strict "${torch[@]}" "$@"
else
  npx tsx bench/gpu/train_step_gpu.ts --smoke --strict "${torch[@]}" --out "$OUT/gpu-$(date -u +%Y-%m-%d).json" "$@"
fi
