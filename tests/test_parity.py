"""`backprop-lab grade` scores honest work exactly as stock `nbgrader autograde` does, cell by cell,
on a corpus drawn from every assignment: correct and partly correct variants, the blank release,
a notebook whose first exercise crashes, and the last assignment's correct notebook asking whether
it is being autograded."""
import nbformat

from backprop_lab.instructor import course
from classes import grade_with_backprop_lab, grade_with_nbgrader, scratch_class, student_notebook
from conftest import ROOT
from variants import variants

CORRECT, MISTAKES = 2, 1  # variants taken from each assignment, with the blank and a crashing one


def corpus():
    submissions = {}
    for assignment in course.written_assignments(ROOT):
        kept = variants(assignment.name)
        chosen = [v for v in kept if v.correct][:CORRECT] + [v for v in kept if not v.correct][:MISTAKES]
        for variant in chosen:
            submissions[(f"{assignment.name[:2]}-{variant.name}", assignment.name)] = student_notebook(assignment, variant)
        submissions[("blank", assignment.name)] = nbformat.read(assignment.release(ROOT), as_version=4)
        crashing = nbformat.read(assignment.release(ROOT), as_version=4)
        first_exercise = next(c for c in crashing.cells if c.metadata.get("nbgrader", {}).get("solution")
                              and c.cell_type == "code")
        first_exercise.source = "undefined_name + 1\n" + first_exercise.source
        submissions[("crashing", assignment.name)] = crashing
    # the last assignment's correct notebook, asking whether nbgrader is autograding it (courses
    # skip slow plots that way): stock nbgrader says so in its kernel's environment
    aware = student_notebook(assignment, next(v for v in kept if v.correct))
    first_exercise = next(c for c in aware.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code")
    first_exercise.source = ('import os\nassert os.environ.get("NBGRADER_EXECUTION") == "autograde", "not autograded"\n'
                             + first_exercise.source)
    submissions[("grading-aware", assignment.name)] = aware
    return submissions


def test_backprop_lab_grade_matches_stock_nbgrader(tmp_path):
    submissions = corpus()
    assert len(submissions) >= 30
    scratch = scratch_class(tmp_path / "course", submissions)
    stock = grade_with_nbgrader(scratch)
    _, ours = grade_with_backprop_lab(scratch, "--timeout", "30")
    assert set(ours) == set(stock) == set(submissions)
    differences = [f"{student}/{assignment} {cell}: nbgrader {stock_cells[cell]}, ours {ours[(student, assignment)].get(cell)}"
                   for (student, assignment), stock_cells in stock.items()
                   for cell in stock_cells if ours[(student, assignment)].get(cell) != stock_cells[cell]]
    assert not differences, "\n".join(differences)
    assert any(score for cells in ours.values() for score, _ in cells.values())  # not all zero
