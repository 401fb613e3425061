"""`backprop-lab collect ZIP`: an LMS's "download all submissions" zip -> submitted/<student>/<assignment>/.

File names it understands (the student part becomes the folder name under submitted/):
- Canvas:     `doejane_12345_67890_loss.ipynb`, late: `doejane_LATE_12345_67890_loss.ipynb`
              (login-like name, Canvas user id, attachment id, the file's own name);
- Moodle:     `Jane Doe_12345_assignsubmission_file_/loss.ipynb` ("download in folders"), or
              `Jane Doe_12345_assignsubmission_file_loss.ipynb` (flat); the folder name is `jane_doe`;
- Blackboard: `Loss_doejane_attempt_2024-03-01-10-15-00_loss.ipynb`.
A notebook goes to the assignment whose notebook it is named after, once copy markers are taken
off (`Loss (1).ipynb`, `loss-1.ipynb`, `loss-Copy1.ipynb` are all `loss`); with `--assignment`
(one LMS assignment per download) a student's only notebook goes there whatever its name.

Nothing is lost: the zip is only read; a submission already in submitted/ is replaced only by a
newer one (its notebook is kept in .collect/replaced/); every file that was not placed is listed
with why. Each placed notebook gets nbgrader's `timestamp.txt` (the time stored in the zip), and
collected.csv at the course root records where it came from and whether the LMS called it late.
The LMS's user id and the student's name go into the gradebook (nbgrader's Student table), where
`backprop-lab export --format canvas` finds them.
"""
import csv
import dataclasses
import datetime
import re
import shutil
import sys
import zipfile
from pathlib import Path, PurePosixPath

from . import course

MAX_NOTEBOOK = 50 * 2**20   # the grader refuses larger notebooks anyway (grading/inputs.py)
MANIFEST = "collected.csv"
MANIFEST_FIELDS = ["student", "assignment", "lms", "lms_user_id", "name", "source", "timestamp", "late"]
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

CANVAS = re.compile(r"^(?P<login>[^_/]+?)(?P<late>_late)?_(?P<user_id>\d+)_(?P<number>\d+)_(?P<file>.+)$", re.I)
MOODLE = re.compile(r"^(?P<name>[^/]+?)_(?P<user_id>\d+)_assign(?:submission|feedback)_[a-z]+_/?(?P<file>.*)$", re.I)
BLACKBOARD = re.compile(r"^(?P<title>.+?)_(?P<login>[^_/]+)_attempt_"
                        r"(?P<time>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)_(?P<file>.+)$")
# What an upload or a download adds to a file's name: " (1)", "-1", "-Copy1", "_copy".
COPY_MARKERS = re.compile(r"(\s*\(\d+\)|-\d+|[-_ ]copy\d*)$", re.I)
SYSTEM_FILES = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|Thumbs\.db$|\.ipynb_checkpoints/)")


@dataclasses.dataclass
class Candidate:
    """One notebook in the zip and who and what it is for."""
    entry: zipfile.ZipInfo
    lms: str
    student: str
    name: str          # the student's name as the LMS wrote it ("" when it gives none)
    user_id: str       # the LMS's id for the student ("" when it gives none)
    file: str          # the file's own name, as the student uploaded it
    late: bool
    time: datetime.datetime
    number: int        # the LMS's upload number (Canvas attachment id) or 0: breaks ties in time
    assignment: course.Assignment = None

    @property
    def order(self):
        return (self.time, self.number)


@dataclasses.dataclass
class Outcome:
    placed: list = dataclasses.field(default_factory=list)     # (candidate, note)
    kept: list = dataclasses.field(default_factory=list)       # (candidate, why it was not used)
    unplaced: list = dataclasses.field(default_factory=list)   # (zip entry name, why)


def collect(root: Path, archive: Path, assignment: str | None = None, log=print) -> Outcome:
    """Place every notebook of the LMS zip `archive` into root/submitted/; see the module's docstring."""
    root, archive = Path(root), Path(archive)
    assignments = course.written_assignments(root)
    chosen = _assignment_named(assignments, assignment) if assignment else None
    try:
        zipped = zipfile.ZipFile(archive)
    except FileNotFoundError:
        raise SystemExit(f"backprop-lab collect: no file {archive}") from None
    except (zipfile.BadZipFile, OSError) as error:
        raise SystemExit(f"backprop-lab collect: {archive} is not a readable zip file ({error})") from None
    outcome = Outcome()
    with zipped:
        candidates = _candidates(zipped.infolist(), assignments, chosen, outcome)
        newest = _newest(candidates, outcome)
        for number, candidate in enumerate(newest, 1):
            _place(root, zipped, candidate, outcome)
            if number % 50 == 0:
                log(f"  {number}/{len(newest)} notebooks placed ...")
    _write_manifest(root, [c for c, _ in outcome.placed])
    _record_students(root, [c for c, _ in outcome.placed])
    return outcome


def _assignment_named(assignments, name):
    for a in assignments:
        if name in (a.name, a.notebook):
            return a
    raise SystemExit(f"backprop-lab collect: no assignment named {name!r} "
                     f"(the course has: {', '.join(a.name for a in assignments)})")


def parse_name(path: str):
    """(lms, student, name, user_id, file, late, time or None, number) for a zip entry's path, or
    None when no LMS pattern fits it."""
    path = path.replace("\\", "/")
    base = PurePosixPath(path).name
    # Moodle puts its marker in a folder ("download in folders") or in the file name.
    for part in (path, base):
        tail = "/".join(part.split("/")[-2:]) if "/" in part else part
        match = MOODLE.match(tail)
        if match and match["file"]:
            name = " ".join(match["name"].split())
            return ("moodle", _slug(name), name, match["user_id"], PurePosixPath(match["file"]).name,
                    False, None, 0)
    match = BLACKBOARD.match(base)
    if match:
        time = datetime.datetime.strptime(match["time"], "%Y-%m-%d-%H-%M-%S")
        return ("blackboard", _slug(match["login"]), "", "", match["file"], False, time, 0)
    match = CANVAS.match(base)
    if match:
        return ("canvas", _slug(match["login"]), "", match["user_id"], match["file"], bool(match["late"]),
                None, int(match["number"]))
    return None


def _slug(text):
    """A folder name from a person's name or login: lower case, letters, digits and _ only."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def notebook_stem(file: str) -> str:
    """The notebook name a file stands for: 'Loss (1).ipynb' -> 'loss'."""
    stem = file[:-len(".ipynb")] if file.lower().endswith(".ipynb") else file
    previous = None
    while previous != stem:
        previous, stem = stem, COPY_MARKERS.sub("", stem.strip())
    return stem.strip().lower().replace(" ", "_")


def _candidates(entries, assignments, chosen, outcome):
    by_notebook = {a.notebook.lower(): a for a in assignments} | {a.name.lower(): a for a in assignments}
    found = []
    for entry in entries:
        if entry.is_dir() or SYSTEM_FILES.search(entry.filename):
            continue
        parsed = parse_name(entry.filename)
        if parsed is None:
            outcome.unplaced.append((entry.filename, "its name fits no LMS pattern (Canvas, Moodle, Blackboard)"))
            continue
        lms, student, name, user_id, file, late, time, number = parsed
        if not student:
            outcome.unplaced.append((entry.filename, "no student name in it"))
            continue
        if not file.lower().endswith(".ipynb"):
            outcome.unplaced.append((entry.filename, f"not a notebook ({student})"))
            continue
        if entry.file_size > MAX_NOTEBOOK:
            outcome.unplaced.append((entry.filename, f"larger than {MAX_NOTEBOOK // 2**20} MB ({student})"))
            continue
        time = time or datetime.datetime(*entry.date_time)
        assignment = by_notebook.get(notebook_stem(file))
        if chosen is not None:
            if assignment not in (None, chosen):
                outcome.unplaced.append((entry.filename, f"named like {assignment.name}, but this download "
                                                         f"is for {chosen.name} ({student})"))
                continue
            assignment = chosen
        if assignment is None:
            outcome.unplaced.append((entry.filename, f"no assignment has a notebook named {file!r} ({student}); "
                                                     "use --assignment for a download of one assignment"))
            continue
        found.append(Candidate(entry, lms, student, name, user_id, file, late, time, number, assignment))
    return found


def _newest(candidates, outcome):
    """The newest notebook of each student and assignment; the older ones are listed as kept out."""
    groups = {}
    for candidate in candidates:
        groups.setdefault((candidate.student, candidate.assignment), []).append(candidate)
    newest = []
    for group in groups.values():
        group.sort(key=lambda c: c.order)
        newest.append(group[-1])
        for older in group[:-1]:
            outcome.kept.append((older, f"an older submission than {group[-1].entry.filename}"))
    return sorted(newest, key=lambda c: (c.student, c.assignment.name))


def _place(root, zipped, candidate, outcome):
    folder = root / "submitted" / candidate.student / candidate.assignment.name
    target = folder / f"{candidate.assignment.notebook}.ipynb"
    stamp = folder / "timestamp.txt"
    existing = _existing_time(target, stamp)
    data = zipped.read(candidate.entry)
    if existing is not None:
        if target.read_bytes() == data:
            outcome.kept.append((candidate, "the same notebook is already in submitted/"))
            return
        if existing >= candidate.time:
            outcome.kept.append((candidate, f"submitted/ already holds a newer one ({existing:{TIME_FORMAT}})"))
            return
        backup = root / ".collect" / "replaced" / candidate.student / candidate.assignment.name
        backup.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target, backup / f"{existing:%Y%m%d-%H%M%S}-{target.name}")
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_bytes(data)
    partial.replace(target)   # an interrupted run never leaves half a notebook
    stamp.write_text(f"{candidate.time:{TIME_FORMAT}}.000000 UTC\n")
    note = []
    if candidate.file != f"{candidate.assignment.notebook}.ipynb":
        note.append(f"renamed from {candidate.file!r}")
    if existing is not None:
        note.append(f"replaced an older one ({existing:{TIME_FORMAT}})")
    if candidate.late:
        note.append(f"late according to {candidate.lms.title()}")
    outcome.placed.append((candidate, "; ".join(note)))


def _existing_time(target, stamp):
    """When the notebook already in submitted/ was handed in: its timestamp.txt, else its file time."""
    if not target.is_file():
        return None
    if stamp.is_file():
        try:
            return datetime.datetime.strptime(stamp.read_text().strip()[:19], TIME_FORMAT)
        except ValueError:
            pass
    return datetime.datetime.fromtimestamp(target.stat().st_mtime)


def read_manifest(root: Path) -> dict:
    """{(student, assignment): row} from collected.csv (empty without one)."""
    path = Path(root) / MANIFEST
    if not path.is_file():
        return {}
    with open(path, newline="") as f:
        return {(row["student"], row["assignment"]): row for row in csv.DictReader(f)}


def _write_manifest(root, placed):
    rows = read_manifest(root)
    for c in placed:
        rows[(c.student, c.assignment.name)] = {
            "student": c.student, "assignment": c.assignment.name, "lms": c.lms, "lms_user_id": c.user_id,
            "name": c.name, "source": c.entry.filename, "timestamp": f"{c.time:{TIME_FORMAT}}",
            "late": "yes" if c.late else ""}
    if not rows:
        return
    with open(root / MANIFEST, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=MANIFEST_FIELDS)
        writer.writeheader()
        writer.writerows(rows[key] for key in sorted(rows))


def _record_students(root, placed):
    """The LMS's id and the student's name, in nbgrader's Student table (export reads them there)."""
    from nbgrader.api import Gradebook

    people = {}
    for c in placed:
        known = people.setdefault(c.student, {})
        if c.user_id:
            known["lms_user_id"] = c.user_id
        if c.name:
            first, _, last = c.name.rpartition(" ") if " " in c.name else ("", "", c.name)
            known["first_name"], known["last_name"] = first, last
    if not people:
        return
    with Gradebook(course.gradebook_url(root)) as book:
        for student, known in sorted(people.items()):
            book.update_or_create_student(student, **known)


def print_outcome(outcome: Outcome, root: Path) -> None:
    """What went where, what was kept out and what could not be placed."""
    students = {c.student for c, _ in outcome.placed}
    print(f"placed {len(outcome.placed)} notebook(s) of {len(students)} student(s) in {Path(root) / 'submitted'}/")
    for c, note in outcome.placed:
        print(f"  {c.student}/{c.assignment.name}  <- {c.entry.filename}" + (f"  ({note})" if note else ""))
    if outcome.kept:
        print(f"\nnot used ({len(outcome.kept)}):")
        for c, why in outcome.kept:
            print(f"  {c.entry.filename}: {why}")
    if outcome.unplaced:
        print(f"\ncould not be placed ({len(outcome.unplaced)}): nothing was copied; look at them by hand")
        for name, why in outcome.unplaced:
            print(f"  {name}: {why}")
    sys.stdout.flush()
