"""`backprop-lab grade`: the batch pipeline sanitize -> execute (isolated) -> score -> report.

Work files live in <course>/.grading/ (staged copies of the submissions, recorded outputs, one
scratch folder per notebook); originals in the submissions folder are only read. Recorded outputs
are keyed by a digest of what was run, so an interrupted run resumes and a re-run is idempotent.
"""
import collections
import csv
import dataclasses
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
from traitlets.config import Config, PyFileConfigLoader

from .. import course
from . import execute, forked, gradebook, sanitize, score

GRADER_VERSION = "3"
MAX_EXTRA_FILE = 20 * 2**20


@dataclasses.dataclass
class Submission:
    student: str
    assignment: course.Assignment
    folder: Path
    problems: list = dataclasses.field(default_factory=list)    # what was wrong with the file itself
    flags: list = dataclasses.field(default_factory=list)       # what the grader saw while running it
    seconds: float = 0.0
    reused: bool = False


def find_submissions(submitted, assignments):
    """Every <student>/<assignment>/ folder under `submitted`, for the course's assignments."""
    found = []
    for student_folder in sorted(p for p in Path(submitted).iterdir() if p.is_dir()):
        for assignment in assignments:
            if (student_folder / assignment.name).is_dir():
                found.append(Submission(student_folder.name, assignment, student_folder / assignment.name))
    return found


def grade(root, submitted, workers=2, cell_timeout=60.0, confine=True, figures=False, log=print):
    with gradebook.one_engine():
        return _grade(root, submitted, workers, cell_timeout, confine, figures, log)


def _grade(root, submitted, workers, cell_timeout, confine, figures, log):
    root, submitted = Path(root).resolve(), Path(submitted).resolve()
    started, phases = time.perf_counter(), {}

    def lap(phase):  # seconds since the end of the previous phase
        phases[phase] = time.perf_counter() - started - sum(phases.values())

    config = _course_config(root)
    assignments = course.written_assignments(root)
    submissions = find_submissions(submitted, assignments)
    if not submissions:
        raise SystemExit(f"backprop-lab grade: no <student>/<assignment>/ folders in {submitted}")
    _ensure_in_gradebook(root, {s.assignment for s in submissions}, log)

    staging = root / ".grading"
    staged, executed, work = staging / "submitted", staging / "executed", staging / "work"
    db_url = f"sqlite:///{root / 'gradebook.db'}"

    def prepare_all():
        prepared, releases = [], {}
        for submission in submissions:
            a = submission.assignment
            if a not in releases:
                releases[a] = nbformat.read(a.release(root), as_version=4)
            job = _prepare(submission, releases[a], root, staged, executed, work, config, db_url, figures)
            prepared.append({"problems": submission.problems, "reused": submission.reused,
                             "job": job and dataclasses.asdict(job)})
        return prepared

    prepared = forked.start(prepare_all)  # on the other core, while this process imports torch & co.
    score_assignment, finish_scoring = score.start_scoring(
        root, score.grading_config(config, staged.relative_to(root), executed))
    kernel = execute.warm_up(figures)
    lap("start")
    jobs = []
    for submission, outcome in zip(submissions, prepared()):
        submission.problems, submission.reused = outcome["problems"], outcome["reused"]
        if outcome["job"]:
            jobs.append((submission, execute.Job(**outcome["job"])))
    jobs.sort(key=lambda pair: pair[0].assignment.name)  # assignments finish, and are scored, one by one
    confinement = _confinement(root, staging, confine, log)
    snapshot = execute.ready(kernel, [job for _, job in jobs])
    lap("prepare (after start)")

    by_key = {job.key: (submission, job) for submission, job in jobs}
    to_run = collections.Counter(submission.assignment.name for submission, _ in jobs)
    for name in sorted({s.assignment.name for s in submissions} - set(to_run)):
        score_assignment(name)  # nothing of it to run again
    bar = _ProgressBar(len(jobs), log)

    def finished(job):
        submission, _ = by_key[job.key]
        _record(job, submission, executed)
        bar.advance()
        to_run[submission.assignment.name] -= 1
        if to_run[submission.assignment.name] == 0:
            score_assignment(submission.assignment.name)

    execute.run_all([job for _, job in jobs], workers, execute.Limits(cell_timeout=cell_timeout),
                    confinement, kernel, snapshot, progress=finished)
    bar.close()
    lap("run")
    for name in finish_scoring():
        log(f"nbgrader could not grade some {name} submissions (see above)")
    lap("scoring left after the run")
    for submission in submissions:
        record = json.loads(_executed_path(executed, submission).read_text())
        submission.flags, submission.seconds = _merge_flags(record["flags"]), record["seconds"]
    rows = _cell_rows(root, submissions)
    _write_reports(root, submissions, rows)
    log("time spent: " + ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in phases.items()))
    return submissions, rows, time.perf_counter() - started


def _merge_flags(flags):
    """[[cell, reason], ...] -> ["reason (cells 6, 7, 9)", ...], one line per reason."""
    cells = {}
    for cell, reason in flags:
        cells.setdefault(reason, []).append(cell)
    return [f"{reason} (cell{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))})"
            for reason, numbers in cells.items()]


def _course_config(root):
    loader = PyFileConfigLoader(course.CONFIG_FILE, path=str(root))
    config = Config(loader.load_config())
    config.CourseDirectory.root = str(root)
    return config


def _ensure_in_gradebook(root, assignments, log):
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as book:
        missing = []
        for assignment in assignments:
            try:
                book.find_notebook(assignment.notebook, assignment.name)
            except MissingEntry:
                missing.append(assignment)
    for assignment in missing:
        log(f"{assignment.name} is not in the gradebook yet: generating it from source/")
        course.generate(root, assignment)


def _prepare(submission, release, root, staged, executed, work, config, db_url, figures):
    """Stage a repaired copy, sanitize it, and return the execution Job (None if already run)."""
    a = submission.assignment
    target = staged / submission.student / a.name
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    notebook, submission.problems = sanitize.repair(submission.folder / f"{a.notebook}.ipynb", a.release(root))
    for extra in submission.folder.iterdir():
        if extra.name != f"{a.notebook}.ipynb" and extra.is_file() and extra.stat().st_size <= MAX_EXTRA_FILE:
            shutil.copy(extra, target / extra.name)

    if not any("nbgrader" in cell.metadata for cell in notebook.cells):
        notebook = sanitize.transplant(notebook, release)
        submission.problems.append("the notebook had lost all nbgrader metadata: its answers were put "
                                   "back into the release notebook's exercise cells")
    submission.problems += sanitize.tampered_cells(notebook, release)
    sanitizing = sanitize.sanitize_config(config)

    def sanitized(notebook):
        return sanitize.sanitize(nbformat.from_dict(notebook), sanitizing, db_url, a.name, a.notebook,
                                 submission.student)

    try:
        clean = sanitized(notebook)
    except Exception as error:  # whatever nbgrader chokes on must not stop the batch
        notebook = sanitize.transplant(notebook, release)
        submission.problems.append(f"nbgrader could not sanitize the notebook ({type(error).__name__}: "
                                   f"{error}): its answers were put back into the release notebook")
        clean = sanitized(notebook)
    nbformat.write(clean, target / f"{a.notebook}.ipynb")  # scored as it was run
    cells = [(_kind(cell), cell.source) for cell in clean.cells if cell.cell_type == "code"]
    digest = hashlib.sha256(json.dumps([GRADER_VERSION, figures, cells]).encode()).hexdigest()
    path = _executed_path(executed, submission)
    if path.is_file() and json.loads(path.read_text()).get("digest") == digest:
        submission.reused = True
        return None
    workdir = work / f"{submission.student}--{a.name}"
    if workdir.exists():
        shutil.rmtree(workdir)
    shutil.copytree(target, workdir)
    return execute.Job(f"{submission.student}/{a.name}", cells, str(workdir), digest=digest,
                       escape=execute.first_escape(cells))


def _kind(cell):
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("grade") and not meta.get("solution"):
        return execute.TEST
    if meta.get("locked") and not meta.get("solution"):
        return execute.LOCKED
    return execute.STUDENT


def _executed_path(executed, submission):
    return executed / submission.student / submission.assignment.name / f"{submission.assignment.notebook}.json"


def _record(job, submission, executed):
    path = _executed_path(executed, submission)
    path.parent.mkdir(parents=True, exist_ok=True)
    cells = [{"source": source, "outputs": outputs, "count": count}
             for (_, source), outputs, count in zip(job.cells, job.outputs, job.counts)]
    record = {"digest": job.digest, "cells": cells, "flags": job.flags, "seconds": job.seconds}
    path.with_suffix(".tmp").write_text(json.dumps(record))
    path.with_suffix(".tmp").replace(path)  # a crash never leaves half a record behind


def _confinement(root, staging, confine, log):
    if not confine:
        log("warning: running without the sandbox (--no-sandbox): student code can read the course")
        return None
    # The environment, the Python it is made from and this package stay visible wherever they
    # live: inside the course folder, or under /tmp, which the child also replaces with an empty one.
    keep = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(__file__).resolve().parents[1]}
    return {"hidden": [str(root)], "keep": [str(p) for p in sorted(keep)]}


def _cell_rows(root, submissions):
    """One row per graded cell: the scores nbgrader wrote into the gradebook."""
    from nbgrader.api import Grade, Gradebook, MissingEntry

    rows = []
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as book:
        for s in submissions:
            try:
                notebook = book.find_submission_notebook(s.assignment.notebook, s.assignment.name, s.student)
                grades = gradebook.rows_of(book, Grade, notebook).values()
            except MissingEntry:
                s.problems.append("nbgrader could not grade this submission: every cell scores zero")
                cells = book.find_notebook(s.assignment.notebook, s.assignment.name).grade_cells
                grades = [SimpleNamespace(name=c.name, score=0.0, max_score=c.max_score,
                                          needs_manual_grade=False) for c in cells]
            for grade in sorted(grades, key=lambda g: g.name):
                rows.append({"student": s.student, "assignment": s.assignment.name, "cell": grade.name,
                             "score": grade.score, "max_score": grade.max_score,
                             "needs_manual_grade": grade.needs_manual_grade})
    return rows


def _write_reports(root, submissions, rows):
    with open(root / "cell_results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    totals = {}
    for row in rows:
        key = (row["student"], row["assignment"])
        score_, top = totals.get(key, (0.0, 0.0))
        totals[key] = (score_ + (row["score"] or 0), top + row["max_score"])
    flagged = {(s.student, s.assignment.name): "; ".join(s.problems + s.flags) for s in submissions}
    with open(root / "grades.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "assignment", "score", "max_score", "flagged"])
        for (student, assignment), (score_, top) in sorted(totals.items()):
            writer.writerow([student, assignment, f"{score_:g}", f"{top:g}", flagged.get((student, assignment), "")])


class _ProgressBar:
    def __init__(self, total, log, width=30):
        self.total, self.done, self.width, self.started = total, 0, width, time.perf_counter()
        self.live = sys.stderr.isatty()
        if total:
            log(f"running {total} notebook(s) in isolated processes ...")

    def advance(self):
        self.done += 1
        filled = self.width * self.done // max(self.total, 1)
        line = (f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} notebooks "
                f"{time.perf_counter() - self.started:.1f} s")
        if self.live:
            sys.stderr.write("\r" + line)
        elif self.done == self.total or self.done % 10 == 0:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def close(self):
        if self.live and self.total:
            sys.stderr.write("\n")
