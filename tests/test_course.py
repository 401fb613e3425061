"""The course holds together: config, commands, and every written assignment validated end to end."""
import subprocess
import sys

import pytest

from backprop_lab import cli
from backprop_lab.instructor import course
from backprop_lab.instructor.validate import leaks, validate

from conftest import ROOT

DESIGNED = ["01_loss", "02_activations", "03_linear_layer", "04_mlp", "05_five_point_training",
            "06_three_layer_bce"]
WRITTEN = course.written_assignments(ROOT)


def test_config_lists_the_six_assignments_in_order():
    assert [a.name for a in course.all_assignments(ROOT)] == DESIGNED


@pytest.fixture(scope="module")
def reports():
    """Every written assignment validated once, in one batch."""
    return {report.assignment.name: report for report in validate(ROOT, WRITTEN)}


@pytest.mark.parametrize("assignment", WRITTEN, ids=[a.name for a in WRITTEN])
def test_assignment_validates(reports, assignment):
    report = reports[assignment.name]
    assert report.ok, "\n".join(report.problems)
    assert report.solution_score == report.autograded_points > 0
    assert report.blank_score == 0
    assert 15 <= report.autograded_points + report.manual_points <= 25  # each notebook ~20 points
    assert report.graded_cells >= 4


def test_leak_check_catches_a_solution_line_in_the_release(tmp_path):
    import nbformat

    assignment = WRITTEN[0]
    release = nbformat.read(assignment.release(ROOT), as_version=4)
    solution_lines = [line.strip() for cell in nbformat.read(assignment.source(ROOT), as_version=4).cells
                      if "### BEGIN SOLUTION" in cell.source
                      for line in cell.source.split("### BEGIN SOLUTION")[1].splitlines()
                      if len(line.strip()) >= 25]
    release.cells[-1].source += "\n" + solution_lines[0]
    leaked = tmp_path / "leaked.ipynb"
    nbformat.write(release, leaked)
    assert any("solution line leaked" in problem for problem in leaks(assignment.source(ROOT), leaked))
    assert leaks(assignment.source(ROOT), assignment.release(ROOT)) == []


def test_cli_refuses_unknown_assignments_and_folders(tmp_path):
    with pytest.raises(SystemExit, match="no written assignment named 99_nope"):
        cli.main(["--course", str(ROOT), "release", "99_nope"])
    outside = subprocess.run([sys.executable, "-m", "backprop_lab.cli", "validate"], cwd=tmp_path,
                             capture_output=True, text=True)
    assert outside.returncode != 0 and "no nbgrader_config.py" in outside.stderr


def test_assignments_come_from_source_when_the_config_lists_none(tmp_path):
    (tmp_path / course.CONFIG_FILE).write_text("c = get_config()\n")
    with pytest.raises(SystemExit, match="no ASSIGNMENTS list"):
        course.all_assignments(tmp_path)
    for name, notebook in [("02_b", "second"), ("01_a", "first")]:
        (tmp_path / "source" / name).mkdir(parents=True)
        (tmp_path / "source" / name / f"{notebook}.ipynb").write_text("{}")
    assert course.all_assignments(tmp_path) == [course.Assignment("01_a", "first"), course.Assignment("02_b", "second")]
    (tmp_path / "source" / "01_a" / "extra.ipynb").write_text("{}")
    with pytest.raises(SystemExit, match="holds 2 notebooks"):
        course.all_assignments(tmp_path)
