"""grading/bookkeeper.py: nbgrader's part of a run happens in the bookkeeping process; the runner,
and every notebook process forked from it, never loads nbgrader; a bookkeeper that dies still
leaves a run with its tables, every grade in doubt."""
import csv
import os
import subprocess
import sys

from backprop_lab.grading import grade, options, score
from classes import assignment_named, scratch_class, student_notebook
from variants import variants

LOSS = assignment_named("01_loss")


def test_the_runner_never_loads_nbgrader():
    """The runner up to running notebooks: the command, the pipeline and what notebooks import."""
    probe = ("import sys\n"
             "import backprop_lab.cli\n"
             "from backprop_lab.grading import bookkeeper, execute, grade, results\n"
             "execute.warm_up()\n"
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'nbgrader', 'nbconvert', 'sqlalchemy'}))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def test_a_bookkeeper_that_dies_still_leaves_the_tables(tmp_path, monkeypatch):
    correct = next(v for v in variants("01_loss") if v.correct)
    scratch = scratch_class(tmp_path / "class", {("ada", "01_loss"): student_notebook(LOSS, correct)})

    def dies(*args):
        os._exit(9)  # in the bookkeeper, which this process forks after the patch

    monkeypatch.setattr(score, "autograde", dies)
    said = []
    submissions, rows, _ = grade.grade(scratch, scratch / "submitted", options.for_course(scratch, workers=1),
                                       log=said.append)
    assert any("the bookkeeping process failed" in line for line in said)
    assert "the scoring process failed: this grade may be out of date" in submissions[0].problems
    with open(scratch / "grades.csv") as f:
        (row,) = list(csv.DictReader(f))
    assert row["student"] == "ada" and "the scoring process failed" in row["flagged"]
    assert rows and all(row["student"] == "ada" for row in rows)
