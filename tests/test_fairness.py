"""Hidden tests are fair: stock `nbgrader autograde` gives every correct variant full marks, and
every realistic mistake loses points exactly on the cells that test what it got wrong."""
import shutil
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from backprop_lab import course
from variants import build_submission, variants

from conftest import ROOT, fairness_rows

ASSIGNMENTS = [a for a in course.written_assignments(ROOT) if variants(a.name)]
CASES = [(a, v) for a in ASSIGNMENTS for v in variants(a.name)]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """grade(assignment) -> {variant: {test cell: (score, max)}}, autograding each assignment once."""
    cache = {}

    def grade(assignment):
        if assignment.name not in cache:
            cache[assignment.name] = autograde_variants(assignment, tmp_path_factory.mktemp(assignment.name))
        return cache[assignment.name]

    return grade


def autograde_variants(assignment, folder, shards=2):
    """Stock nbgrader grades one notebook at a time: split the class over `shards` copies of the
    course and grade them side by side (one per core)."""
    first = course.scratch_course(ROOT, folder / "shard0", [assignment])
    course.generate(first, assignment)
    courses = [first] + [shutil.copytree(first, folder / f"shard{i}") for i in range(1, shards)]
    for i, variant in enumerate(variants(assignment.name)):
        student_folder = courses[i % shards] / "submitted" / variant.name / assignment.name
        student_folder.mkdir(parents=True)
        notebook = build_submission(assignment.release(first), assignment.source(first), variant)
        nbformat.write(notebook, student_folder / f"{assignment.notebook}.ipynb")
    with ThreadPoolExecutor(shards) as pool:
        list(pool.map(lambda scratch: course.autograde(scratch, assignment), courses))
    auto = {cell for cell, (_, autograded) in course.graded_cells(first, assignment).items() if autograded}
    return {student: {cell: score for cell, score in cells.items() if cell in auto}
            for scratch in courses for student, cells in course.cell_scores(scratch, assignment).items()}


def test_every_assignment_has_fairness_evidence():
    written = {a.name for a in course.written_assignments(ROOT)}
    assert written == {a.name for a in ASSIGNMENTS}, "every written assignment needs tests/submissions/<name>/"
    for assignment in ASSIGNMENTS:
        kinds = [v.correct for v in variants(assignment.name)]
        assert kinds.count(True) >= 3, f"{assignment.name}: at least 3 correct variants"
        assert kinds.count(False) >= 8, f"{assignment.name}: at least 8 mistakes"
@pytest.mark.parametrize("assignment, variant", CASES, ids=[f"{a.name}/{v.name}" for a, v in CASES])
def test_variant_scores_as_expected(graded, assignment, variant):
    scores = graded(assignment)[variant.name]
    unknown = variant.lose - set(scores)
    assert not unknown, f"{variant.name} names test cells that do not exist: {sorted(unknown)}"
    lost = {cell for cell, (score, top) in scores.items() if score != top}
    fairness_rows.append((assignment.name, variant.name, sum(s for s, _ in scores.values()),
                          sum(top for _, top in scores.values()), lost))
    if variant.correct:
        assert not lost, f"correct variant {variant.name} lost points on {sorted(lost)}: {scores}"
    else:
        assert lost == variant.lose, (f"mistake {variant.name} should lose points on {sorted(variant.lose)},"
                                      f" lost on {sorted(lost)}")
