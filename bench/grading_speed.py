"""Benchmark: stock `nbgrader autograde` against `backprop-lab grade`, on the same class, in one run.

    .venv/bin/python bench/grading_speed.py [--per-assignment 10] [--workers 2]

Builds a class from the kept variants (tests/submissions/) of every written assignment — correct,
mistaken and blank notebooks — then, on this machine:
  1. stock nbgrader: `nbgrader autograde <assignment>` for each assignment, as an instructor runs
     it (no feedback: `nbgrader generate_feedback` would come on top);
  2. backprop-lab: `backprop-lab grade` on the same submissions: isolated parallel execution,
     nbgrader's scoring, feedback HTML and the reports, process start included; on copies of the
     class, once before each assignment stock nbgrader grades and once after the last, and the
     median counts. A shared machine's speed drifts over the minutes stock takes, and not alike
     for a grader on one core (stock) and one on two: spread over stock's run, our runs see the
     machine stock saw;
  3. execution alone, on the same sanitized cells: in isolated children (fork, sandbox, integrity
     guard; one worker) and plain in one process (one namespace per notebook, no isolation),
     alternating, three times each. Their ratio is the price of isolation. CPU is the machine's
     (/proc/stat): the zygote ignores SIGCHLD, so the kernel drops its children's times from
     getrusage, and the student processes are its grandchildren; run it on an otherwise idle machine.
It prints the times, the speed-up over stock nbgrader, the isolation overhead, and checks that
both graders gave every cell the same score. Both graders run from compiled bytecode, as pip
installs a package (stock nbgrader's is compiled in site-packages; this checkout's package is
compiled first, or with PYTHONDONTWRITEBYTECODE set every run would compile it anew, about 1 s).
"""
import argparse
import compileall
import contextlib
import io
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import nbformat  # noqa: E402
from nbgrader.utils import setenv  # noqa: E402

from backprop_lab.instructor import course  # noqa: E402
from classes import autograde, autograded_scores, grade_with_backprop_lab, scratch_class, student_notebook  # noqa: E402
from variants import variants  # noqa: E402


EXECUTION_RUNS = 3  # of isolated and plain execution, alternating (the speed drifts within a minute too)


def build_class(folder, per_assignment):
    submissions = {}
    for assignment in course.written_assignments(ROOT):
        kept = variants(assignment.name)
        chosen = [v for v in kept if v.correct][:2] + [v for v in kept if not v.correct][:per_assignment - 3]
        for variant in chosen:
            submissions[(variant.name, assignment.name)] = student_notebook(assignment, variant)
        submissions[("blank", assignment.name)] = nbformat.read(assignment.release(ROOT), as_version=4)
    return scratch_class(folder, submissions)


def time_stock(scratch, between):
    """Stock nbgrader on the class, assignment by assignment, calling `between()` before each
    assignment and after the last (not timed); (seconds, scores)."""
    assignments = [a for a in course.written_assignments(ROOT) if (scratch / "source" / a.name).is_dir()]
    seconds = 0.0
    for assignment in assignments:
        between()
        started = time.perf_counter()
        autograde(scratch, assignment)
        seconds += time.perf_counter() - started
    between()
    scores = {(student, a.name): cells for a in assignments
              for student, cells in autograded_scores(scratch, a).items()}
    return seconds, scores


def staged_jobs(scratch, run):
    """The cells `backprop-lab grade` ran, as execution jobs, one scratch folder each."""
    from backprop_lab.grading import execute, staging

    jobs = []
    for index, path in enumerate(sorted((scratch / ".grading" / "submitted").glob("*/*/*.ipynb"))):
        cells = [(staging.cell_kind(cell), cell.source) for cell in nbformat.read(path, as_version=4).cells
                 if cell.cell_type == "code"]
        workdir = scratch / ".grading" / "bench" / str(run) / str(index)
        workdir.mkdir(parents=True)
        jobs.append(execute.Job(str(index), cells, str(workdir), escape=execute.first_escape(cells)))
    return jobs


def time_execution(scratch):
    """[isolated wall, isolated cpu, plain wall, plain cpu] for the same cells, summed over
    EXECUTION_RUNS alternating runs of each (the machine's speed drifts), and the notebook count."""
    from backprop_lab.grading import execute, forked, grade

    from backprop_lab.grading.zygote import Zygote

    kernel = execute.warm_up()
    confinement = grade.confinement(scratch, True)
    runs = [staged_jobs(scratch, run) for run in range(EXECUTION_RUNS)]  # the same cells, each with its folders

    def isolated(jobs):
        """As `backprop-lab grade` runs them: a zygote, then a student and a test process per notebook."""
        cpu, started = machine_cpu_seconds(), time.perf_counter()
        zygote = Zygote(kernel, execute.Limits(), confinement)
        execute.ready(kernel, zygote, jobs)
        execute.run_all(jobs, 1, execute.Limits(), kernel, zygote)
        zygote.close()
        return [time.perf_counter() - started, machine_cpu_seconds() - cpu]

    def plain(jobs):
        """All notebooks one after the other in one process, forked so that this one stays as
        the snapshot saw it for the isolated runs that follow."""
        def run_in_one_process():
            shell = kernel.shell
            started, cpu = time.perf_counter(), machine_cpu_seconds()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                    setenv(NBGRADER_EXECUTION="autograde"):  # what the children are told
                for job in jobs:
                    shell.user_ns.clear()  # a fresh namespace (shell.reset would add a full garbage collection)
                    shell.init_user_ns()
                    for _, source in job.cells:
                        shell.run_cell(source, store_history=False, silent=True)
            return [time.perf_counter() - started, machine_cpu_seconds() - cpu]
        return forked.start(run_in_one_process)()

    totals = [0.0] * 4
    for jobs in runs:
        for k, seconds in enumerate(isolated(jobs) + plain(jobs)):
            totals[k] += seconds
    return totals, len(runs[0])


def machine_cpu_seconds():
    """CPU time all processes of the machine have used (user, system, interrupts), in seconds."""
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, stat.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-assignment", type=int, default=10, help="notebooks per assignment")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    compileall.compile_dir(ROOT / "backprop_lab", quiet=1)
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as folder:
        stock_course = build_class(Path(folder) / "stock", args.per_assignment)
        count = len(list((stock_course / "submitted").glob("*/*/*.ipynb")))
        print(f"class: {count} notebooks over {len(course.written_assignments(ROOT))} assignments", flush=True)
        # copies as stock nbgrader finds the class: one for each of our runs (one before each assignment, one after)
        copies = [Path(shutil.copytree(stock_course, Path(folder) / f"ours-{run}"))
                  for run in range(len(course.written_assignments(ROOT)) + 1)]
        ours = []

        def time_ours():
            """`backprop-lab grade` on the next copy of the class."""
            run, copy = len(ours) + 1, copies[len(ours)]
            started = time.perf_counter()
            done, scores = grade_with_backprop_lab(copy, "--workers", str(args.workers))
            seconds = time.perf_counter() - started
            phases = re.search(r"time spent: (.*)", done.stdout)
            print(f"backprop-lab grade, run {run} : {seconds:7.1f} s  ({seconds / count:.2f} s per notebook; "
                  f"{phases.group(1) if phases else ''})", flush=True)
            ours.append((seconds, scores, copy))

        stock_seconds, stock_scores = time_stock(stock_course, time_ours)
        print(f"stock nbgrader autograde  : {stock_seconds:7.1f} s  ({stock_seconds / count:.2f} s per notebook; "
              f"{len(ours)} runs of ours spread over it)", flush=True)
        our_seconds = statistics.median(seconds for seconds, _, _ in ours)
        ours_course = ours[0][2]
        (isolated_wall, isolated_cpu, plain_wall, plain_cpu), notebooks = time_execution(ours_course)
        print(f"execution, isolated       : {isolated_wall:7.1f} s  (cpu {isolated_cpu:.1f} s; {notebooks} notebooks "
              f"{EXECUTION_RUNS} times, 1 worker)")
        print(f"execution, plain Python   : {plain_wall:7.1f} s  (cpu {plain_cpu:.1f} s; the same, in one process, "
              "no isolation; runs alternating with the isolated ones)")

        same = all(scores == stock_scores for _, scores, _ in ours)
        our_scores = next((scores for _, scores, _ in ours if scores != stock_scores), ours[0][1])
        print(f"\nspeed-up over stock nbgrader   : {stock_seconds / our_seconds:6.1f}x  ({args.workers} workers; "
              f"median of {len(ours)} runs, {', '.join(f'{stock_seconds / seconds:.1f}x' for seconds, _, _ in ours)})")
        print(f"isolation overhead (wall, cpu) : {isolated_wall / plain_wall:6.2f}x, {isolated_cpu / plain_cpu:.2f}x")
        print(f"identical scores, every cell   : {'yes' if same else 'NO'} ({sum(map(len, our_scores.values()))} cells)")
        if not same:
            for key in sorted(set(stock_scores) | set(our_scores)):
                if stock_scores.get(key) != our_scores.get(key):
                    print(f"  {key}: stock {stock_scores.get(key)}, ours {our_scores.get(key)}")
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
