"""The demo class in examples/ (what `make demo` grades) is complete and grades as examples/README.md
says. To stay fast, the grading test takes every student's 01_loss plus two of fay's damaged
notebooks, in a scratch copy of the course."""
import pytest

from backprop_lab.instructor import course
from classes import DEMO_STUDENTS, assignment_named, graded_demo
from conftest import ROOT
from variants import load

EXAMPLES = ROOT / "examples" / "submitted"
STUDENTS = DEMO_STUDENTS
LOSS = assignment_named("01_loss")
BEN_MISTAKE = ROOT / "tests" / "submissions" / "01_loss" / "mistake_mse_backward_missing_factor_2.py"


def test_every_student_handed_in_every_written_assignment():
    assert sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()) == STUDENTS
    for student in STUDENTS:
        for assignment in course.written_assignments(ROOT):
            folder = EXAMPLES / student / assignment.name
            assert folder.is_dir(), f"examples/submitted/{student}/{assignment.name} is missing"
            notebooks = [p.name for p in folder.glob("*.ipynb")]
            assert notebooks, f"{student}/{assignment.name}: no notebook"
            if notebooks != [f"{assignment.notebook}.ipynb"]:   # fay's misnamed copy is the one exception
                assert student == "fay", f"{student}/{assignment.name}: {notebooks}"
    assert (ROOT / "examples" / "README.md").is_file()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    _, done, scores = graded_demo(tmp_path_factory)   # graded once, shared with test_report.py
    return done.stdout, scores


def notes(report, student, assignment="01_loss"):
    return "\n".join(line for line in report.splitlines() if f"  {student}/{assignment}: " in line)


def exercise_tests(assignment, exercise_index):
    """grade_ids of the test cells that follow the exercise_index-th exercise cell (before the next)."""
    import nbformat

    tests, seen = {}, -1
    for cell in nbformat.read(assignment.source(ROOT), as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            seen += 1
        elif cell.cell_type == "code" and meta.get("grade"):
            tests.setdefault(seen, set()).add(meta["grade_id"])
    return tests[exercise_index]


def total(cells):
    return sum(score for score, _ in cells.values())


def test_ada_gets_full_marks(graded):
    report, scores = graded
    for assignment in ("01_loss", "02_activations"):
        assert all(score == top for score, top in scores[("ada", assignment)].values())
        assert not notes(report, "ada", assignment)


def test_ben_loses_exactly_the_cells_his_mistake_breaks(graded):
    _, scores = graded
    lost = {cell for cell, (score, top) in scores[("ben", "01_loss")].items() if score != top}
    assert lost == load(BEN_MISTAKE).lose


def test_cleo_scores_zero_without_a_flag(graded):
    report, scores = graded
    assert total(scores[("cleo", "01_loss")]) == 0
    assert not notes(report, "cleo")


def test_dev_loses_the_looping_exercise_only_and_is_flagged(graded):
    report, scores = graded
    looping = exercise_tests(LOSS, 0)
    for cell, (score, top) in scores[("dev", "01_loss")].items():
        assert score == (0 if cell in looping else top), cell
    assert "timed out after 5 s" in notes(report, "dev")


def test_eve_is_flagged_and_earns_nothing_from_tampering(graded):
    report, scores = graded
    assert "assert_close" in notes(report, "eve")
    assert total(scores[("eve", "01_loss")]) == 0   # every test ran after her tampering: all voided


def test_fay_damaged_notebooks_are_graded_with_reasons(graded):
    report, scores = graded
    assert total(scores[("fay", "01_loss")]) == 0
    assert "not valid notebook JSON" in notes(report, "fay")
    assert scores[("fay", "02_activations")] == scores[("ada", "02_activations")]  # deleted tests restored
    assert "deleted" in notes(report, "fay", "02_activations")


def _refresh_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("demo_refresh", ROOT / "examples" / "refresh.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_demo_class_is_in_step_with_the_release():
    """examples/refresh.py has nothing left to do: after a change to the course, run it (README)."""
    stale = [str(path.relative_to(ROOT)) for path, now, wanted in _refresh_module().refreshed()
             if wanted is not None and now != wanted]
    assert not stale, "run `.venv/bin/python examples/refresh.py`; out of step: " + ", ".join(stale)


def test_demo_notebooks_have_the_release_cells_in_order():
    """Checked without refresh.py: the cells a demo notebook has are the release's, in its order
    (fay's damaged files aside, whose differences examples/README.md describes)."""
    import json

    for assignment in course.written_assignments(ROOT):
        release = [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") or c["cell_type"]
                   for c in json.loads(assignment.release(ROOT).read_text())["cells"]]
        for student in STUDENTS:
            if student == "fay":
                continue
            cells = json.loads((EXAMPLES / student / assignment.name / f"{assignment.notebook}.ipynb").read_text())["cells"]
            theirs = [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") or c["cell_type"] for c in cells]
            assert theirs == release, f"{student}/{assignment.name} differs from the release's cells"


def test_refresh_keeps_what_each_student_did():
    """refresh.py rebuilds a notebook on the release: a dropped locked cell goes, a new one comes, the
    student's answer stays, a new answer cell gets the solution (blank students: the template), and a
    cell fay deleted on purpose stays deleted."""
    refresh = _refresh_module()
    locked = {"grade": False, "locked": True, "solution": False}
    answer = {"grade": False, "locked": False, "solution": True}

    def cell(grade_id, source, kind):
        return {"cell_type": "code", "id": grade_id, "metadata": {"nbgrader": dict(kind, grade_id=grade_id)},
                "source": [source], "outputs": [], "execution_count": None}

    release = {"cells": [cell("setup", "import numpy", locked), cell("new_text", "new", locked),
                         cell("f", "raise NotImplementedError()", answer), cell("g", "raise NotImplementedError()", answer),
                         cell("test_relu_new", "assert f", locked)]}
    theirs = {"cells": [cell("setup", "old import", locked), cell("old_text", "gone", locked),
                        cell("f", "def f(): return 1", answer)], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    solutions = {"f": "def f(): return 0\n", "g": "def g(): return 2\n"}
    for student, g_source in (("ada", "def g(): return 2\n"), ("cleo", "raise NotImplementedError()")):
        rebuilt = refresh.rebuild(theirs, release, student, "02_activations", solutions)["cells"]
        assert [c["id"] for c in rebuilt] == ["setup", "new_text", "f", "g", "test_relu_new"]
        assert ["".join(c["source"]) for c in rebuilt[:4]] == ["import numpy", "new", "def f(): return 1", g_source]
    rebuilt = refresh.rebuild(theirs, release, "fay", "02_activations", solutions)["cells"]
    assert [c["id"] for c in rebuilt] == ["setup", "new_text", "f", "g"]
