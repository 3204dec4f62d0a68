#!/usr/bin/env bash
# Prepares Mesa's software Vulkan driver (lavapipe) from the distribution's backports suite, so that Dawn (npm
# `webgpu`) finds a WebGPU adapter on a machine without a GPU, and the webgpu backend can be tested in CI.
#
# Why backports: Dawn refuses the Mesa of Debian bookworm (22.3: "shaderUniform*ArrayDynamicIndexing required");
# Mesa 25 from bookworm-backports works. The system's Mesa is left alone: the backports packages are downloaded
# with a private apt sources list and unpacked (dpkg -x) into a cache folder, and the Vulkan loader is pointed
# at the unpacked driver through an ICD json of our own. The mirror is the one the machine's apt already uses
# (read from its sources at run time); no host name is written in this repository.
#
# Usage:  scripts/setup_lavapipe.sh [cache-dir]        (default: .cache/lavapipe in the repository)
#         source <cache-dir>/env.sh                    (then: BATCH_SHAPING_WEBGPU_READY=1 and the Vulkan paths)
# Exit status 0 when Dawn sees the lavapipe adapter; nonzero with the reason on stderr otherwise (env.sh is then
# not written). A second run reuses the unpacked driver (no download) and only re-checks the adapter.
# Needs: root (or an installed libvulkan1 + mesa-vulkan-drivers), apt-get, dpkg, python3, node.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="$(mkdir -p "${1:-$ROOT/.cache/lavapipe}" && cd "${1:-$ROOT/.cache/lavapipe}" && pwd)"
UNPACKED="$CACHE/root"
ICD="$CACHE/lvp_icd.json"
ENV_FILE="$CACHE/env.sh"
PACKAGES=(mesa-vulkan-drivers libdrm2 libdrm-amdgpu1)
say() { echo "setup_lavapipe: $*" >&2; }
rm -f "$ENV_FILE"

# 1. The Vulkan loader and the runtime libraries the driver links against (from the system's own suite).
missing=()
for p in libvulkan1 mesa-vulkan-drivers; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "needs ${missing[*]} installed (apt-get install -y libvulkan1 mesa-vulkan-drivers, as root)"
    exit 1
  fi
  say "installing ${missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# 2. The backports driver, unpacked once into the cache.
lvp_lib() { find "$UNPACKED" -name 'libvulkan_lvp.so' -print -quit 2>/dev/null; }
if [ -z "$(lvp_lib)" ]; then
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  if [ -z "$codename" ]; then
    say "cannot tell the distribution's codename from /etc/os-release"
    exit 1
  fi
  # The mirror of the entry serving the release's own suite, in deb822 (*.sources) or one-line format.
  mirror="$(python3 - "$codename" <<'PY'
import glob, re, sys
codename = sys.argv[1]
for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
    for stanza in re.split(r"\n\s*\n", open(path).read()):
        fields = {}
        for line in stanza.splitlines():
            m = re.match(r"^([A-Za-z-]+):\s*(.*)$", line)
            if m:
                fields[m.group(1).lower()] = m.group(2).split()
        if "deb" in fields.get("types", []) and codename in fields.get("suites", []) and fields.get("uris"):
            print(fields["uris"][0])
            sys.exit(0)
for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
    try:
        lines = open(path).read().splitlines()
    except OSError:
        continue
    for line in lines:
        words = re.sub(r"\[[^]]*\]", "", line.split("#")[0]).split()
        if len(words) >= 3 and words[0] == "deb" and words[2] == codename:
            print(words[1])
            sys.exit(0)
sys.exit(1)
PY
)" || {
    say "found no apt source for the suite '$codename' in /etc/apt (needed to fetch '$codename-backports')"
    exit 1
  }
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  signed=""
  [ -f "$keyring" ] && signed="[signed-by=$keyring] "
  apt_dir="$CACHE/apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$CACHE/debs"
  echo "deb ${signed}${mirror} ${codename}-backports main" >"$apt_dir/sources.list"
  apt_opts=(
    "-oDir::Etc::SourceList=$apt_dir/sources.list"
    "-oDir::Etc::SourceParts=/dev/null"
    "-oDir::State::Lists=$apt_dir/lists"
    "-oDir::Cache=$apt_dir/cache"
    "-oAPT::Get::List-Cleanup=0"
    "-oAPT::Sandbox::User=root"
  )
  say "fetching ${PACKAGES[*]} from ${codename}-backports"
  apt-get -qq "${apt_opts[@]}" update >&2
  (cd "$CACHE/debs" && rm -f ./*.deb && apt-get -qq "${apt_opts[@]}" download "${PACKAGES[@]}" >&2)
  rm -rf "$UNPACKED"
  for deb in "$CACHE"/debs/*.deb; do dpkg -x "$deb" "$UNPACKED"; done
  if [ -z "$(lvp_lib)" ]; then
    say "the unpacked packages hold no libvulkan_lvp.so (looked under $UNPACKED)"
    exit 1
  fi
fi

# 3. Our ICD json: the unpacked driver's own json with library_path made absolute.
lib="$(lvp_lib)"
shipped="$(find "$UNPACKED" -name 'lvp_icd*.json' -print -quit)"
python3 - "$shipped" "$lib" "$ICD" <<'PY'
import json, sys
shipped, lib, out = sys.argv[1:]
icd = json.load(open(shipped)) if shipped else {"file_format_version": "1.0.0", "ICD": {}}
icd["ICD"]["library_path"] = lib
json.dump(icd, open(out, "w"), indent=2)
PY
lib_dirs="$(find "$UNPACKED" -name '*.so*' -printf '%h\n' | sort -u | paste -sd: -)"
mkdir -p -m 700 "$CACHE/xdg"
cat >"$ENV_FILE.tmp" <<EOF
# Written by scripts/setup_lavapipe.sh: the Vulkan loader uses the unpacked lavapipe only.
export VK_DRIVER_FILES="$ICD"
export VK_ICD_FILENAMES="$ICD"
export LD_LIBRARY_PATH="$lib_dirs\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
export XDG_RUNTIME_DIR="\${XDG_RUNTIME_DIR:-$CACHE/xdg}"
export BATCH_SHAPING_WEBGPU_READY=1
EOF

# 4. Does Dawn see it? (One adapter request in a child node with the new environment.)
found="$(
  # shellcheck disable=SC1090
  . "$ENV_FILE.tmp"
  cd "$ROOT" && node --input-type=module -e '
    const { create } = await import("webgpu");
    const adapter = await create([]).requestAdapter();
    if (adapter === null) { console.log("none"); process.exit(2); }
    const i = adapter.info ?? {};
    console.log([i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(" "));
    process.exit(0);
  ' 2>"$CACHE/probe.stderr"
)" || {
  say "Dawn found no adapter with the unpacked lavapipe ($found); its stderr: $(head -c 2000 "$CACHE/probe.stderr")"
  exit 1
}
mv "$ENV_FILE.tmp" "$ENV_FILE"
say "ready: WebGPU adapter '$found'; source $ENV_FILE"
