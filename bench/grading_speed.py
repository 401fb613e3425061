"""Benchmark: stock `nbgrader autograde` against `backprop-lab grade`, on the same class, in one run.

    .venv/bin/python bench/grading_speed.py [--per-assignment 10] [--workers 2]

Builds a class from the kept variants (tests/submissions/) of every written assignment — correct,
mistaken and blank notebooks — then times, one after the other on this machine:
  1. stock nbgrader: `nbgrader autograde <assignment>` for each assignment, as an instructor runs it;
  2. backprop-lab: `backprop-lab grade` (isolated, parallel) on the same submissions;
  3. plain Python: every code cell of every notebook exec'd in one warm process, one namespace per
     notebook, no isolation and no scoring — the floor the grader's overhead is measured against.
It prints the three times, the speed-up over stock nbgrader, the overhead over plain execution, and
checks that both graders gave every cell the same score.
"""
import argparse
import contextlib
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import nbformat  # noqa: E402

from backprop_lab import course  # noqa: E402
from classes import grade_with_backprop_lab, scratch_class, student_notebook  # noqa: E402
from variants import variants  # noqa: E402


def build_class(folder, per_assignment):
    submissions = {}
    for assignment in course.written_assignments(ROOT):
        kept = variants(assignment.name)
        chosen = [v for v in kept if v.correct][:2] + [v for v in kept if not v.correct][:per_assignment - 3]
        for variant in chosen:
            submissions[(variant.name, assignment.name)] = student_notebook(assignment, variant)
        submissions[("blank", assignment.name)] = nbformat.read(assignment.release(ROOT), as_version=4)
    return scratch_class(folder, submissions)


def time_stock(scratch):
    started = time.perf_counter()
    for assignment in course.written_assignments(ROOT):
        if (scratch / "source" / assignment.name).is_dir():
            course.autograde(scratch, assignment)
    seconds = time.perf_counter() - started
    scores = {(student, assignment.name): cells for assignment in course.written_assignments(ROOT)
              if (scratch / "source" / assignment.name).is_dir()
              for student, cells in course.autograded_scores(scratch, assignment).items()}
    return seconds, scores


def time_plain(scratch):
    """Every code cell of every autograded notebook (tests included), in this one process."""
    import matplotlib
    matplotlib.use("agg")
    import numpy  # noqa: F401
    import torch
    torch.set_num_threads(1)
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    notebooks = sorted((scratch / "autograded").glob("*/*/*.ipynb"))
    started = time.perf_counter()
    for path in notebooks:
        shell.user_ns.clear()  # a fresh namespace (shell.reset would add a full garbage collection)
        shell.init_user_ns()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            for cell in nbformat.read(path, as_version=4).cells:
                if cell.cell_type == "code":
                    shell.run_cell(cell.source, store_history=False, silent=True)
    return time.perf_counter() - started, len(notebooks)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-assignment", type=int, default=10, help="notebooks per assignment")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as folder:
        stock_course = build_class(Path(folder) / "stock", args.per_assignment)
        ours_course = Path(shutil.copytree(stock_course, Path(folder) / "ours"))
        count = len(list((stock_course / "submitted").glob("*/*/*.ipynb")))
        print(f"class: {count} notebooks over {len(course.written_assignments(ROOT))} assignments", flush=True)

        stock_seconds, stock_scores = time_stock(stock_course)
        print(f"stock nbgrader autograde : {stock_seconds:8.1f} s", flush=True)
        started = time.perf_counter()
        _, our_scores = grade_with_backprop_lab(ours_course, "--workers", str(args.workers))
        our_seconds = time.perf_counter() - started
        print(f"backprop-lab grade       : {our_seconds:8.1f} s  (process start, feedback HTML and reports included)")
        plain_seconds, plain_count = time_plain(ours_course)
        print(f"plain Python, 1 process  : {plain_seconds:8.1f} s  ({plain_count} notebooks, no isolation, no scoring)")

        same = stock_scores == our_scores
        print(f"\nspeed-up over stock nbgrader : {stock_seconds / our_seconds:6.1f}x")
        print(f"overhead over plain Python   : {our_seconds / plain_seconds:6.2f}x "
              f"(plain time divided by {args.workers} workers: {our_seconds / (plain_seconds / args.workers):.2f}x)")
        print(f"identical scores, every cell : {'yes' if same else 'NO'}")
        if not same:
            for key in sorted(set(stock_scores) | set(our_scores)):
                if stock_scores.get(key) != our_scores.get(key):
                    print(f"  {key}: stock {stock_scores.get(key)}, ours {our_scores.get(key)}")
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
