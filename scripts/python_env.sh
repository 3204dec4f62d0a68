#!/usr/bin/env bash
# Makes the project's Python environment, .venv in the repository: JupyterLab with the plotly extension (the
# notebooks' browser test and README "Notebooks"), and pandas/pyarrow, Polars, safetensors (the Python read-back
# of the files the library writes: README "Reading the files from Python"). Every package is pinned in
# scripts/python-requirements.txt, dependencies included, and installed with --no-deps --ignore-installed: the
# venv holds exactly those versions whatever Python packages the machine has. It is made from Debian's
# interpreter with --system-site-packages so that it sees Debian's python3-torch and python3-torchvision (only
# they and their own dependencies come from there): PyPI's torch wheels for Linux bring gigabytes of CUDA
# libraries.
#
# Usage: scripts/python_env.sh            (from .ci/run; again at any time: it does nothing when .venv matches
#                                          the requirements file, and rebuilds it when they changed)
# Then:  .venv/bin/jupyter lab, .venv/bin/python. Exit status 0 when every package imports.
# Needs: Debian's python3, python3-venv, python3-torch and python3-torchvision (apt-get install them).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="$ROOT/.venv"
REQUIREMENTS="$ROOT/scripts/python-requirements.txt"
STAMP="$VENV/.requirements.sha256"
PYTHON=/usr/bin/python3
say() { echo "python_env: $*" >&2; }

[ -x "$PYTHON" ] || { say "$PYTHON is missing (apt-get install python3 python3-venv)"; exit 1; }
"$PYTHON" -c 'import ensurepip' 2>/dev/null || { say "$PYTHON has no venv support (apt-get install python3-venv)"; exit 1; }
"$PYTHON" -c 'import torch, torchvision' 2>/dev/null ||
  { say "Debian's PyTorch is missing (apt-get install python3-torch python3-torchvision)"; exit 1; }

want="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
if [ -x "$VENV/bin/python" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ]; then
  say "$VENV is up to date"
else
  start=$SECONDS
  rm -rf "$VENV"
  "$PYTHON" -m venv --system-site-packages "$VENV"
  # --no-deps: the file is the whole closure; --ignore-installed: a Debian package of another version (seen
  # through the system site-packages) never stands in for a pinned one.
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/pip" install --quiet --no-deps --ignore-installed \
    --require-virtualenv -r "$REQUIREMENTS"
  echo "$want" >"$STAMP"
  say "made $VENV in $((SECONDS - start)) s"
fi

# Every package the project uses imports, with torch from Debian and NumPy from the venv.
"$VENV/bin/python" - <<'PY'
import sys
import jupyterlab, numpy, pandas, plotly, polars, pyarrow, safetensors.torch, torch, torchvision
for name, mod in [("jupyterlab", jupyterlab), ("plotly", plotly), ("pandas", pandas), ("pyarrow", pyarrow),
                  ("polars", polars), ("safetensors", safetensors), ("numpy", numpy), ("torch", torch),
                  ("torchvision", torchvision)]:
    print(f"python_env: {name} {mod.__version__}", file=sys.stderr)
if not numpy.__file__.startswith(sys.prefix):
    sys.exit(f"python_env: numpy comes from {numpy.__file__}, not the venv")
PY
