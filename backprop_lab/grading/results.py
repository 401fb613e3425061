"""Step 4 of a grading run, the results: one row per graded cell (from the gradebook), the
totals, grades.csv and cell_results.csv, the table the command prints, and progress meanwhile."""
import csv
import dataclasses
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from ..instructor import course


def cell_rows(root: Path, submissions: list) -> list:
    """One row per graded cell: the scores nbgrader wrote into the gradebook."""
    from nbgrader.api import Gradebook

    rows = []
    with Gradebook(course.gradebook_url(root)) as book:
        for s in submissions:
            failed = _failed_checks(root, s)
            for grade in sorted(_grades(book, s), key=lambda g: g.name):
                checks = failed.get(grade.name, [])
                rows.append({"student": s.student, "assignment": s.assignment.name, "cell": grade.name,
                             "score": grade.score, "max_score": grade.max_score,
                             "needs_manual_grade": grade.needs_manual_grade,
                             "failed_checks": "; ".join(c["description"] for c in checks),
                             "diagnoses": "; ".join(c["diagnosis"] for c in checks)})
    return rows


def _failed_checks(root, s):
    """{cell: failed checks and their diagnoses}, read from the autograded notebook's errors."""
    from .. import checks

    if s.zeroed:
        return {}
    path = root / "autograded" / s.student / s.assignment.name / f"{s.assignment.notebook}.ipynb"
    try:
        return checks.cell_failures(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def _grades(book, s):
    """The grades nbgrader gave `s`; a zero for every cell if it could not grade it (any rows in
    the gradebook are then an earlier run's)."""
    from nbgrader.api import Grade, MissingEntry

    from . import gradebook

    if not s.zeroed:
        try:
            notebook = book.find_submission_notebook(s.assignment.notebook, s.assignment.name, s.student)
            return gradebook.rows_of(book, Grade, notebook).values()
        except MissingEntry:
            s.problems.append("nbgrader could not grade this submission: every cell scores zero")
    cells = book.find_notebook(s.assignment.notebook, s.assignment.name).grade_cells
    return [SimpleNamespace(name=c.name, score=0.0, max_score=c.max_score, needs_manual_grade=False) for c in cells]


@dataclasses.dataclass
class Total:
    """A student's points on one assignment."""
    tests: float = 0.0            # autograded cells
    tests_max: float = 0.0
    written: float = 0.0          # written answers graded so far
    written_max: float = 0.0
    to_grade: float = 0.0         # points of written answers not graded yet (they count as zero)

    @property
    def score(self) -> float:
        return self.tests + self.written

    @property
    def max_score(self) -> float:
        return self.tests_max + self.written_max


def totals(root: Path, submissions: list, rows: list) -> dict:
    """{(student, assignment): Total} from the cell rows; the gradebook says which cells are autograded."""
    autograded = {a.name: {cell: auto for cell, (_, auto) in course.graded_cells(root, a).items()}
                  for a in {s.assignment for s in submissions}}
    found = {}
    for row in rows:
        total = found.setdefault((row["student"], row["assignment"]), Total())
        if autograded[row["assignment"]].get(row["cell"], True):
            total.tests += row["score"] or 0
            total.tests_max += row["max_score"]
        else:
            total.written_max += row["max_score"]
            if row["needs_manual_grade"]:
                total.to_grade += row["max_score"]
            else:
                total.written += row["score"] or 0
    return found


def write_tables(root: Path, submissions: list, rows: list, found: dict) -> None:
    """cell_results.csv (every graded cell) and grades.csv (one row per student and assignment,
    `found` their totals())."""
    with open(root / "cell_results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    flagged = {(s.student, s.assignment.name): "; ".join(s.problems + s.flags) for s in submissions}
    with open(root / "grades.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "assignment", "score", "max_score", "flagged"])
        for (student, assignment), total in sorted(found.items()):
            writer.writerow([student, assignment, f"{total.score:g}", f"{total.max_score:g}",
                             flagged.get((student, assignment), "")])


def print_table(submissions: list) -> None:
    """One line per notebook (its `total` found): points from the tests, the written answers, and a note."""
    width = max(len("student"), *(len(s.student) for s in submissions)) + 2
    print(f"\n{'student':<{width}}{'assignment':<26}{'tests':>11}  {'written answers':<18}notes")
    for s in submissions:
        total = s.total
        answers = "-"
        if total.written_max:
            answers = f"{total.to_grade:g} pts to grade" if total.to_grade else f"{total.written:g} / {total.written_max:g}"
        notes = "FLAGGED" if s.flags else ("repaired" if s.problems else "")
        print(f"{s.student:<{width}}{s.assignment.name:<26}{total.tests:>6g} / {total.tests_max:<3g}  {answers:<18}{notes}")


class ProgressBar:
    """Notebooks run so far, on one line of a terminal (every tenth in a log)."""

    def __init__(self, total, log, width=30):
        self.total, self.done, self.width, self.started = total, 0, width, time.perf_counter()
        self.live = sys.stderr.isatty()
        if total:
            log(f"running {total} notebook(s) in isolated processes ...")

    def advance(self) -> None:
        self.done += 1
        filled = self.width * self.done // max(self.total, 1)
        line = (f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} notebooks "
                f"{time.perf_counter() - self.started:.1f} s")
        if self.live:
            sys.stderr.write("\r" + line)
        elif self.done == self.total or self.done % 10 == 0:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.live and self.total:
            sys.stderr.write("\n")
