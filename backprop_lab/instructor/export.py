"""`backprop-lab export --format canvas|csv`: the gradebook's totals, written points included.

Totals come from nbgrader's gradebook (gradebook.db) through its own API, so points given by hand
in formgrader count: a cell's score is its manual score when one was given, else its autograded
score (nbgrader's `Grade.score`).

- `--format canvas` writes the layout Canvas's gradebook import reads: the columns Student, ID,
  SIS User ID, SIS Login ID, Section, then one column per assignment named `Name (id)` when its
  Canvas assignment id is known (`--canvas-id 01_loss=4711`), else `Name` (Canvas then creates a
  new assignment); the first row under the header is "Points Possible". Assignments nobody has
  handed in yet are left out. Student is "Last, First"
  when the gradebook knows the name, ID the Canvas user id (`collect` records it from Canvas's
  file names). A student with no submission gets an empty cell (Canvas leaves that grade alone).
- `--format csv` writes the plain table of grades.csv: student, assignment, score, max_score, flagged
  (flagged copied from the last grading run's grades.csv).
"""
import csv
from pathlib import Path

from . import course

CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_POSSIBLE = "    Points Possible"   # as Canvas writes it in its own exports


class Totals:
    """What the gradebook holds: students, assignments and each submission's points."""

    def __init__(self, root: Path):
        from nbgrader.api import Gradebook, MissingEntry

        path = Path(root) / course.GRADEBOOK
        if not path.is_file():
            raise SystemExit(f"backprop-lab export: no gradebook at {path}: grade the class first "
                             "(backprop-lab grade)")
        known = [a.name for a in course.all_assignments(root)]
        self.assignments, self.max_score, self.students = [], {}, []
        self.score, self.pending = {}, set()   # (student, assignment) -> points; those still to grade by hand
        with Gradebook(course.gradebook_url(root)) as book:
            for assignment in sorted(book.assignments, key=lambda a: (known.index(a.name) if a.name in known
                                                                      else len(known), a.name)):
                self.assignments.append(assignment.name)
                self.max_score[assignment.name] = assignment.max_score
            for student in sorted(book.students, key=lambda s: s.id):
                self.students.append({"id": student.id, "first_name": student.first_name or "",
                                      "last_name": student.last_name or "", "lms_user_id": student.lms_user_id or ""})
                for name in self.assignments:
                    try:
                        submission = book.find_submission(name, student.id)
                    except MissingEntry:
                        continue
                    self.score[(student.id, name)] = submission.score
                    if submission.needs_manual_grade:
                        self.pending.add((student.id, name))
        # an assignment nobody has handed in yet would only be an empty column (a new one in Canvas)
        handed_in = {name for _, name in self.score}
        self.assignments = [name for name in self.assignments if name in handed_in]


def export(root: Path, fmt: str, output: Path, canvas_ids: dict | None = None) -> tuple[Path, Totals]:
    """Write the export in `fmt` ("canvas" or "csv") to `output`; returns it and the totals read."""
    totals = Totals(root)
    if not totals.students or not totals.assignments:
        raise SystemExit(f"backprop-lab export: the gradebook has no {'submissions' if totals.students else 'students'} "
                         "yet: collect and grade the class first")
    unknown = set(canvas_ids or {}) - set(totals.assignments)
    if unknown:
        raise SystemExit(f"backprop-lab export: --canvas-id names no assignment of the gradebook: "
                         f"{', '.join(sorted(unknown))} (it has {', '.join(totals.assignments)})")
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "w", newline="", encoding="utf-8") as f:
        if fmt == "canvas":
            _write_canvas(csv.writer(f), totals, canvas_ids or {})
        elif fmt == "csv":
            _write_plain(csv.writer(f), totals, _flags(root))
        else:
            raise SystemExit(f"backprop-lab export: unknown format {fmt!r} (canvas or csv)")
    return output, totals


def canvas_column(assignment: str, canvas_id: str | None) -> str:
    """An assignment's column header: `Name (id)` when Canvas's id is known."""
    return f"{assignment} ({canvas_id})" if canvas_id else assignment


def _write_canvas(writer, totals, canvas_ids):
    writer.writerow(CANVAS_FIXED + [canvas_column(a, canvas_ids.get(a)) for a in totals.assignments])
    writer.writerow([POINTS_POSSIBLE, "", "", "", ""] + [_points(totals.max_score[a]) for a in totals.assignments])
    for student in totals.students:
        name = (f"{student['last_name']}, {student['first_name']}" if student["first_name"]
                else student["last_name"] or student["id"])
        scores = [_points(totals.score[(student["id"], a)]) if (student["id"], a) in totals.score else ""
                  for a in totals.assignments]
        writer.writerow([name, student["lms_user_id"], "", "", ""] + scores)


def _write_plain(writer, totals, flags):
    writer.writerow(["student", "assignment", "score", "max_score", "flagged"])
    for student in totals.students:
        for a in totals.assignments:
            if (student["id"], a) in totals.score:
                writer.writerow([student["id"], a, _points(totals.score[(student["id"], a)]),
                                 _points(totals.max_score[a]), flags.get((student["id"], a), "")])


def _flags(root):
    path = Path(root) / "grades.csv"
    if not path.is_file():
        return {}
    with open(path, newline="") as f:
        return {(row["student"], row["assignment"]): row.get("flagged", "") for row in csv.DictReader(f)}


def _points(value) -> str:
    return f"{float(value or 0):g}"


def parse_canvas_ids(pairs: list[str]) -> dict:
    """["01_loss=4711", ...] -> {"01_loss": "4711"}."""
    ids = {}
    for pair in pairs or []:
        name, sep, number = pair.partition("=")
        if not sep or not number.strip().isdigit():
            raise SystemExit(f"backprop-lab export: --canvas-id wants ASSIGNMENT=NUMBER, got {pair!r}")
        ids[name.strip()] = number.strip()
    return ids
