#!/usr/bin/env bash
# Runs on the GPU machine, from the repository root, after bench/gpu/pack.sh ran here and .gpu was carried.
# Writes $OUT/gpu-results.json and $OUT/log.txt; prints the table last.
set -euo pipefail
out=${OUT:-/tmp/gpu-out}
mkdir -p "$out" /tmp/bs /tmp/xdg
export XDG_RUNTIME_DIR=/tmp/xdg
xz -dc .gpu/node.xz > /tmp/bs/node && chmod +x /tmp/bs/node
tar -xJf .gpu/nm.tar.xz -C .gpu/app
for f in .gpu/gl/*.deb; do dpkg -x "$f" /; done
ldconfig
export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
export __EGL_VENDOR_LIBRARY_FILENAMES=${__EGL_VENDOR_LIBRARY_FILENAMES:-/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json}
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' || true
} | tee "$out/log.txt"
set -o pipefail
/tmp/bs/node .gpu/app/train_step_gpu.mjs --out "$out/gpu-results.json" "$@" 2>&1 | tee -a "$out/log.txt"
