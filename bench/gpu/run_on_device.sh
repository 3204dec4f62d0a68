#!/usr/bin/env bash
# Runs on the GPU machine, from the repository root, after bench/gpu/pack.sh ran here and .gpu was carried.
# Unpacks node, the bundle's node_modules and the glvnd/Vulkan loader packages, points the Vulkan loader at the
# NVIDIA ICD, and runs the benchmark (train_step_gpu.ts, bundled): writes $OUT/gpu-<date>.json and $OUT/log.txt,
# prints the table last. Extra arguments go to the benchmark (--smoke, --no-torch, --no-kernels, --budget-s N).
# BS_SKIP_LOADERS=1: use the machine's own Vulkan loader and VK_DRIVER_FILES as set (bench/gpu/smoke_lavapipe.sh).
set -euo pipefail
out=${OUT:-/tmp/gpu-out}
mkdir -p "$out" /tmp/bs
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp/xdg}
mkdir -p -m 700 "$XDG_RUNTIME_DIR"
xz -dc .gpu/node.xz > /tmp/bs/node && chmod +x /tmp/bs/node
rm -rf .gpu/app/node_modules
tar -xJf .gpu/nm.tar.xz -C .gpu/app

if [ "${BS_SKIP_LOADERS:-0}" != 1 ]; then
  for f in .gpu/gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
  # The NVIDIA ICD / EGL vendor json: where the container runtime usually mounts them, else wherever they are.
  find_first() { for p in "$@"; do [ -f "$p" ] && { echo "$p"; return 0; }; done; return 1; }
  icd=$(find_first /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
    /etc/vulkan/icd.d/nvidia_icd.json || find / -xdev -name 'nvidia_icd*.json' 2> /dev/null | head -1 || true)
  egl=$(find_first /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json \
    /usr/share/glvnd/egl_vendor.d/10_nvidia.json || find / -xdev -name '10_nvidia.json' 2> /dev/null | head -1 || true)
  export VK_DRIVER_FILES=${VK_DRIVER_FILES:-$icd}
  export __EGL_VENDOR_LIBRARY_FILENAMES=${__EGL_VENDOR_LIBRARY_FILENAMES:-$egl}
fi
date_tag=$(date -u +%Y-%m-%d)
{
  echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-} __EGL_VENDOR_LIBRARY_FILENAMES=${__EGL_VENDOR_LIBRARY_FILENAMES:-}"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || true
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' 2>&1 || true
} | tee "$out/log.txt"
/tmp/bs/node .gpu/app/train_step_gpu.mjs --out "$out/gpu-$date_tag.json" \
  --torch-script bench/reference/resnet_torch.py "$@" 2>&1 | tee -a "$out/log.txt"
