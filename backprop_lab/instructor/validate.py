"""Course integrity: the written assignments are checked together in a scratch copy of the course.

For each assignment: the source notebook is committed without outputs; stock nbgrader generates
a release identical to the committed release/; nothing between solution or hidden-test markers
reaches the release; the solution notebook runs without error and earns full marks; the blank
release earns zero without crashing the grader. Both are graded in one batch by `backprop-lab
grade`, whose scores are nbgrader's own (tests/test_parity.py holds it to stock `nbgrader autograde`).
"""
import filecmp
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import course

SOLUTION, BLANK = "solution", "blank"   # the two test students of the scratch course
MARKER = re.compile(r"### (BEGIN|END) (SOLUTION|HIDDEN TESTS)")
HIDDEN_BLOCK = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)
MIN_LEAK_LINE = 25  # shorter lines ("return x", "pass") can legitimately appear anywhere


@dataclass
class Report:
    assignment: course.Assignment
    graded_cells: int = 0
    autograded_points: float = 0.0
    manual_points: float = 0.0
    solution_score: float = 0.0
    blank_score: float = 0.0
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems


def validate(root, assignments, workers=2):
    """Check the assignments; one Report each, whose `problems` list says what is wrong."""
    from ..grading import options
    from ..grading.grade import grade

    reports = [Report(a) for a in assignments]
    with tempfile.TemporaryDirectory(prefix="validate-") as scratch:
        scratch = course.scratch_course(root, scratch, assignments)
        for report in reports:
            a = report.assignment
            report.problems += outputs_in_source(a.source(root))
            course.generate(scratch, a)
            report.problems += release_out_of_sync(root, scratch, a)
            report.problems += leaks(a.source(root), a.release(scratch))
            for student, notebook in [(SOLUTION, a.source(root)), (BLANK, a.release(scratch))]:
                folder = scratch / "submitted" / student / a.name
                folder.mkdir(parents=True)
                shutil.copy(notebook, folder / f"{a.notebook}.ipynb")
        grade(scratch, scratch / "submitted", options.for_course(scratch, workers=workers), log=lambda *_: None)
        for report in reports:
            _check_scores(report, scratch)
    return reports


def _check_scores(report, scratch):
    a = report.assignment
    cells = course.graded_cells(scratch, a)
    report.graded_cells = len(cells)
    report.autograded_points = sum(points for points, auto in cells.values() if auto)
    report.manual_points = sum(points for points, auto in cells.values() if not auto)
    scores = course.cell_scores(scratch, a)
    report.solution_score = sum(score or 0 for score, _ in scores[SOLUTION].values())
    report.blank_score = sum(score or 0 for score, _ in scores[BLANK].values())
    if report.solution_score != report.autograded_points:
        lost = [cell for cell, (score, top) in scores[SOLUTION].items() if cells[cell][1] and score != top]
        report.problems.append(f"the solution scores {report.solution_score:g}/{report.autograded_points:g}"
                               f" (cells losing points: {', '.join(lost)})")
    if report.blank_score != 0:
        report.problems.append(f"the blank release scores {report.blank_score:g}, expected 0")
    autograded = scratch / "autograded" / SOLUTION / a.name / f"{a.notebook}.ipynb"
    report.problems += errors_in(autograded, "the solution notebook")


def outputs_in_source(path):
    notebook = nbformat.read(path, as_version=4)
    dirty = [i for i, cell in enumerate(notebook.cells)
             if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    return [f"{path.name}: source cells {dirty} have outputs; clear them before committing"] if dirty else []


def release_out_of_sync(root, scratch, assignment):
    committed, fresh = Path(root) / "release" / assignment.name, Path(scratch) / "release" / assignment.name
    if not committed.is_dir():
        return [f"release/{assignment.name} is missing: run `backprop-lab release`"]
    comparison = filecmp.dircmp(committed, fresh, ignore=[".ipynb_checkpoints", "__pycache__"])
    stale = _differences(comparison)
    return [f"release/{assignment.name} is out of sync with source/ ({', '.join(stale)}): "
            "run `backprop-lab release`"] if stale else []


def _differences(comparison, prefix=""):
    changed = [prefix + name for name in comparison.left_only + comparison.right_only]
    _, mismatch, errors = filecmp.cmpfiles(comparison.left, comparison.right, comparison.common_files, shallow=False)
    changed += [prefix + name for name in mismatch + errors]
    for name, sub in comparison.subdirs.items():
        changed += _differences(sub, f"{prefix}{name}/")
    return changed


def leaks(source_path, release_path):
    """Markers, or distinctive lines of solution and hidden-test blocks, found in the release."""
    source = nbformat.read(source_path, as_version=4)
    release = nbformat.read(release_path, as_version=4)
    release_lines = {line.strip() for cell in release.cells for line in cell.source.splitlines()}
    public_lines = {line.strip() for cell in source.cells
                    for line in HIDDEN_BLOCK.sub("", cell.source).splitlines()}
    problems = []
    if any(MARKER.search(cell.source) for cell in release.cells):
        problems.append(f"{release_path.name}: solution or hidden-test markers left in the release")
    for cell in source.cells:
        for kind, block in HIDDEN_BLOCK.findall(cell.source):
            for line in block.splitlines():
                line = line.strip()
                if len(line) >= MIN_LEAK_LINE and line in release_lines and line not in public_lines:
                    problems.append(f"{release_path.name}: a {kind.lower()} line leaked: {line!r}")
    return problems


def errors_in(path, what):
    if not path.is_file():
        return [f"{what} was not autograded (no {path.name} in autograded/)"]
    notebook = nbformat.read(path, as_version=4)
    return [f"{what}: cell {i} raised {output.ename}: {output.evalue}"[:300]
            for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"
            for output in cell.outputs if output.output_type == "error"]
