"""Benchmark: how long each solution notebook (source/) takes to run, as a student's would in Jupyter.

    .venv/bin/python bench/notebook_times.py [ASSIGNMENT ...]

Each notebook runs in a fresh Jupyter kernel (nbclient), hidden tests included. Printed per
notebook: the time of all its cells together (kernel start excluded), of the first code cell
(the imports: numpy, torch, matplotlib, the course's helpers) and of the rest. The course keeps
every notebook under 5 s in all.
"""
import argparse
import datetime
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 5.0  # seconds


def cell_seconds(notebook) -> list:
    """Seconds each executed code cell took, from nbclient's timing metadata."""
    found = []
    for cell in notebook.cells:
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            began, ended = (datetime.datetime.fromisoformat(timing[key].replace("Z", "+00:00"))
                            for key in ("iopub.execute_input", "shell.execute_reply"))
            found.append((ended - began).total_seconds())
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="assignment folders (default: all of source/)")
    names = parser.parse_args().assignments
    over = 0
    for path in sorted(ROOT.glob("source/*/*.ipynb")):
        if names and path.parent.name not in names:
            continue
        notebook = nbformat.read(path, as_version=4)
        NotebookClient(notebook, timeout=300, kernel_name="python3", record_timing=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        seconds = cell_seconds(notebook)
        total = sum(seconds)
        over += total >= LIMIT
        print(f"{path.parent.name:<26} {total:5.2f} s in all  (imports {seconds[0]:4.2f} s, the rest "
              f"{total - seconds[0]:4.2f} s; slowest cell {max(seconds[1:]):4.2f} s)"
              f"{'' if total < LIMIT else f'  OVER {LIMIT:g} s'}", flush=True)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
