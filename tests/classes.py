"""Scratch classes for the grading tests: a throw-away course with submissions, graded by stock
`nbgrader autograde` or by `backprop-lab grade`, with the scores read back per cell."""
import csv
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import nbformat

from backprop_lab import course

from conftest import ROOT


def scratch_class(folder, submissions):
    """A course in `folder` with the assignments named in `submissions`, generated with nbgrader,
    and submitted/<student>/<assignment>/<notebook>.ipynb for every
    (student, assignment) -> notebook (a NotebookNode, raw bytes, or None for a missing notebook)."""
    assignments = {a.name: a for a in course.written_assignments(ROOT)}
    used = sorted({name for _, name in submissions}, key=list(assignments).index)
    scratch = course.scratch_course(ROOT, folder, [assignments[name] for name in used])
    for name in used:
        course.generate(scratch, assignments[name])
    for (student, name), notebook in submissions.items():
        target = scratch / "submitted" / student / name
        target.mkdir(parents=True, exist_ok=True)
        path = target / f"{assignments[name].notebook}.ipynb"
        if isinstance(notebook, bytes):
            path.write_bytes(notebook)
        elif notebook is not None:
            nbformat.write(notebook, path)
    return scratch


def grade_with_backprop_lab(scratch, *args):
    """Run `backprop-lab grade` on the class; returns (completed process, scores) where scores is
    {(student, assignment): {cell: (score, max_score)}} for autograded cells."""
    done = subprocess.run([sys.executable, "-m", "backprop_lab.cli", "--course", str(scratch), "grade",
                           "--workers", "2", *args], capture_output=True, text=True, cwd=scratch)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    autograded = {a.name: {cell for cell, (_, auto) in course.graded_cells(scratch, a).items() if auto}
                  for a in course.written_assignments(ROOT) if (scratch / "source" / a.name).is_dir()}
    scores = {}
    with open(scratch / "cell_results.csv") as f:
        for row in csv.DictReader(f):
            if row["needs_manual_grade"] == "False" and row["cell"] in autograded[row["assignment"]]:
                scores.setdefault((row["student"], row["assignment"]), {})[row["cell"]] = (
                    float(row["score"]), float(row["max_score"]))
    return done, scores


def grade_with_nbgrader(scratch, shards=2):
    """Stock `nbgrader autograde`, one notebook at a time, so the class is split over `shards`
    copies of the course graded side by side. Same return shape as grade_with_backprop_lab."""
    courses = [shutil.copytree(scratch, scratch.parent / f"{scratch.name}-stock{i}") for i in range(shards)]
    students = sorted(p.name for p in (scratch / "submitted").iterdir())
    for i, copy in enumerate(courses):
        for k, student in enumerate(students):
            if k % shards != i:
                shutil.rmtree(copy / "submitted" / student)
    assignments = [a for a in course.written_assignments(ROOT) if (scratch / "source" / a.name).is_dir()]

    def run(copy):
        for assignment in assignments:
            course.autograde(copy, assignment)

    with ThreadPoolExecutor(shards) as pool:
        list(pool.map(run, courses))
    return {(student, assignment.name): cells for copy in courses for assignment in assignments
            for student, cells in course.autograded_scores(copy, assignment).items()}


def student_notebook(assignment, variant):
    """The release notebook of `assignment` with `variant`'s cells (see variants.py)."""
    from variants import build_submission

    return build_submission(assignment.release(ROOT), assignment.source(ROOT), variant)


def assignment_named(name):
    return next(a for a in course.written_assignments(ROOT) if a.name == name)

