#!/usr/bin/python3
"""Executes the tslab notebooks headless, in their smoke configuration, and checks their figures.

Run with Debian's interpreter (`/usr/bin/python3 scripts/run_notebooks.py`, or `npm run test:notebooks`):
another python3 may come first on PATH and not see Debian's python3-nbclient / jupyter-client.

For each notebooks/NN_*.ipynb (or the ones named on the command line, by file or by prefix such as `00`):
  - executes every cell with the project's tslab kernel, or with `--kernel deno` Deno's Jupyter kernel
    (scripts/kernel_install.mjs writes both; the cells are the same), and
    BATCH_SHAPING_SMOKE=1, the notebooks' tiny configuration (synthetic data / generated fixtures);
  - stops at the first error and prints that cell's source and stderr: tslab reports a failed cell without
    name or message (ename/evalue are empty), the message is only in the cell's stderr stream; and after an
    error tslab aborts the following requests, so executing on with allow_errors would only hide cells;
  - checks that every cell tagged `figure` produced a figure: a display_data with the Plotly MIME type or
    its HTML fallback (showFigure in batch-shaping sends both);
  - saves the executed notebook under artifacts/notebooks/ (also when it failed, for inspection), with the
    configuration it ran in recorded in its metadata (`batch_shaping`: mode smoke or full, kernel, seconds,
    ok), which the site build (site/build_site.ts) shows on each page;
  - refuses a notebook saved with outputs (they are committed without).
Smoke mode first deletes data/smoke/ and runs/smoke/, where the notebooks keep their smoke data and runs, so every
run exercises preparation and training from scratch.
Exit status: 0 when every notebook ran and showed its figures, 1 otherwise.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
OUT = ROOT / "artifacts" / "notebooks"
PLOTLY_MIME = "application/vnd.plotly.v1+json"

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
except ImportError as err:  # pragma: no cover - environment problem, explained to the user
    sys.exit(
        f"run_notebooks: {err}. Install Debian's python3-nbclient and jupyter-client "
        "(apt-get install python3-nbclient jupyter-client) and run this script with /usr/bin/python3."
    )


def cell_text(outputs, stream):
    return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream" and o.get("name") == stream)


def is_figure_output(output):
    if output.get("output_type") not in ("display_data", "execute_result", "update_display_data"):
        return False
    data = output.get("data", {})
    if PLOTLY_MIME in data:
        return True
    html = data.get("text/html", "")
    if isinstance(html, list):
        html = "".join(html)
    if "__batchShapingPlotlyParts" in html:  # a part of plotly.js (sent on its own on Deno), not a figure
        return False
    return "bs-plot" in html or "js-plotly-plot" in html


def select(args):
    all_books = sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if not args:
        return all_books
    chosen = []
    for a in args:
        matches = [p for p in all_books if p.name == a or p.stem == a or p.name.startswith(a) or str(p) == a]
        if not matches:
            sys.exit(f"run_notebooks: no notebook matches {a!r}; have {[p.name for p in all_books]}")
        chosen.extend(m for m in matches if m not in chosen)
    return chosen


def prepare_environment(full, kernel):
    if not (ROOT / "dist" / "index.js").exists():
        sys.exit("run_notebooks: dist/index.js is missing; run `npm run build` first (notebooks import the built package)")
    # The kernelspec and the notebooks' self-link (notebooks/node_modules/batch-shaping -> ../..).
    extra = ["--deno"] if kernel == "deno" else []
    subprocess.run(["node", str(ROOT / "scripts" / "kernel_install.mjs"), "--quiet", *extra], check=True)
    jupyter_dir = str(NOTEBOOKS / ".jupyter")
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = jupyter_dir + (os.pathsep + old if old else "")
    if full:
        os.environ.pop("BATCH_SHAPING_SMOKE", None)
    else:
        os.environ["BATCH_SHAPING_SMOKE"] = "1"
        # Smoke runs reuse nothing: the notebooks would otherwise skip preparation and training they find done.
        for d in (ROOT / "data" / "smoke", ROOT / "runs" / "smoke"):
            shutil.rmtree(d, ignore_errors=True)


def run_one(path, timeout, kernel="tslab", full=False):
    nb = nbformat.read(path, as_version=4)
    # Notebooks are committed without outputs (diffs stay readable, no 10 MB plotly.js in git).
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count"))]
    if dirty:
        print(f"FAIL {path.name}: cells {dirty} hold outputs; clear them before committing (Kernel > Restart & Clear Output)")
        return False
    client = NotebookClient(
        nb,
        kernel_name=kernel,
        timeout=timeout,  # per cell; None (--full) = no limit, full runs train for hours
        startup_timeout=300,  # tslab compiles its first cell slowly on a busy machine
        allow_errors=False,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    started = time.monotonic()
    failed_index = None
    failure = None
    # Cell by cell (not client.execute()) to know which cell failed: tslab's error reply has no name/message.
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            try:
                client.execute_cell(cell, index)
            except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
                failed_index, failure = index, err
                break
    seconds = time.monotonic() - started
    nb.metadata["batch_shaping"] = {
        "mode": "full" if full else "smoke",
        "kernel": kernel,
        "seconds": round(seconds, 1),
        "ok": failure is None,
    }
    out = OUT if kernel == "tslab" else OUT.parent / f"notebooks-{kernel}"
    out.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out / path.name)

    code_cells = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    if failure is not None:
        c = nb.cells[failed_index]
        print(f"FAIL {path.name}: cell {failed_index} failed after {seconds:.1f}s", flush=True)
        print(f"--- cell {failed_index} source ---\n{c.source}\n--- cell {failed_index} stderr ---", flush=True)
        print(cell_text(c.get("outputs", []), "stderr") or "(no stderr)", flush=True)
        for e in c.get("outputs", []):
            if e.get("output_type") == "error" and (e.get("ename") or e.get("evalue")):
                print(f"{e.get('ename')}: {e.get('evalue')}", flush=True)
        if isinstance(failure, (CellTimeoutError, DeadKernelError)):
            print(f"({type(failure).__name__}: {failure})", flush=True)
        return False

    missing = []
    for i, c in code_cells:
        if "figure" in c.get("metadata", {}).get("tags", []):
            if not any(is_figure_output(o) for o in c.get("outputs", [])):
                missing.append(i)
    if missing:
        print(f"FAIL {path.name}: figure cells {missing} produced no figure output", flush=True)
        for i in missing:
            print(f"--- cell {i} source ---\n{nb.cells[i].source}", flush=True)
        return False
    figures = sum(1 for _, c in code_cells if "figure" in c.get("metadata", {}).get("tags", []))
    print(f"ok   {path.name} in {seconds:.1f}s ({len(code_cells)} code cells, {figures} figure cells)", flush=True)
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebook files or prefixes (default: all)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600; --full: none)")
    parser.add_argument(
        "--full", action="store_true", help="run the real configuration (no BATCH_SHAPING_SMOKE): long, needs data"
    )
    parser.add_argument(
        "--kernel", choices=("tslab", "deno"), default="tslab", help="tslab (default) or Deno's Jupyter kernel"
    )
    args = parser.parse_args()
    books = select(args.notebooks)
    prepare_environment(args.full, args.kernel)
    mode = "the full configuration" if args.full else "BATCH_SHAPING_SMOKE=1"
    out = OUT if args.kernel == "tslab" else OUT.parent / f"notebooks-{args.kernel}"
    print(f"running {len(books)} notebook(s) on {args.kernel} with {mode}; executed copies in {out}", flush=True)
    for path in books:
        if not run_one(path, None if args.full and args.timeout == 600 else args.timeout, args.kernel, args.full):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
