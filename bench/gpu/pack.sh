#!/usr/bin/env bash
# Packs what the GPU machine needs into .gpu/ (git-ignored; carry it with the device tool):
#   .gpu/node.xz          this machine's node binary (the GPU machine has no Node.js)
#   .gpu/app/*.mjs        the benchmark, bundled with the project's sources and pure-JS dependencies
#   .gpu/nm.tar.xz        the node_modules the bundle imports: tfjs (core, cpu, webgpu, the umbrella that
#                         registers gradients), webgpu (Dawn, linux-x64 only); rebuilt only when the versions
#                         pinned in package-lock.json change (.gpu/nm.versions)
#   .gpu/gl/*.deb         the Vulkan/GL loader packages Dawn needs (glvnd)
# Usage: bash bench/gpu/pack.sh     then see bench/gpu/README.md for the run; check the packed path here with
#        bash bench/gpu/smoke_lavapipe.sh --packed
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
rm -rf .gpu/app .gpu/nm
mkdir -p .gpu/app .gpu/gl

[ -f .gpu/node.xz ] || xz -T2 -6 -c "$(command -v node)" > .gpu/node.xz

npx esbuild bench/gpu/train_step_gpu.ts --bundle --platform=node --format=esm --target=node20 \
  --external:'@tensorflow/*' --external:webgpu --outfile=.gpu/app/train_step_gpu.mjs --log-level=warning

# Exactly the versions in package-lock.json, without install scripts, then pruned to what Node loads.
versions=$(node -e '
  const lock = require("./package-lock.json").packages;
  const want = ["@tensorflow/tfjs", "@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-cpu",
                "@tensorflow/tfjs-backend-webgpu", "@tensorflow/tfjs-backend-wasm", "webgpu"];
  console.log(want.map((p) => `${p}@${lock["node_modules/" + p].version}`).join(" "));')
# Reused while package-lock.json pins the same versions (.gpu/nm.versions).
if [ ! -f .gpu/nm.tar.xz ] || [ "$(cat .gpu/nm.versions 2> /dev/null)" != "$versions" ]; then
  rm -f .gpu/nm.tar.xz .gpu/nm.versions
  mkdir -p .gpu/nm
  (cd .gpu/nm && echo '{"name":"gpu-bench","private":true}' > package.json &&
    npm install --ignore-scripts --no-audit --no-fund --omit=dev $versions > /dev/null)
  find .gpu/nm/node_modules/webgpu/dist -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
  for d in .gpu/nm/node_modules/@tensorflow/*/; do
    find "$d" -type f \( -name '*.map' -o -name '*.min.js' -o -name '*.es2017.js' -o -name '*.fesm.js' -o -name '*.esm.js' -o -name '*.ts' \) -delete
  done
  find .gpu/nm/node_modules -type d \( -name src -o -name test -o -name docs \) -path '*@tensorflow*' -prune -exec rm -rf {} +
  tar -C .gpu/nm -cJf .gpu/nm.tar.xz node_modules
  rm -rf .gpu/nm
  echo "$versions" > .gpu/nm.versions
fi

if ! ls .gpu/gl/libvulkan1_*.deb > /dev/null 2>&1; then
  mkdir -p /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update -qq
  (cd .gpu/gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 > /dev/null)
fi
grep -qx '/.gpu/' .git/info/exclude 2> /dev/null || echo '/.gpu/' >> .git/info/exclude
du -sh .gpu/* | sed "s#^#packed: #"
echo "carry: [\".gpu\"]  command: bash bench/gpu/run_on_device.sh   (from $root)"
