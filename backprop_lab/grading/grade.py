"""`backprop-lab grade`: the batch pipeline sanitize -> execute (isolated) -> score -> report.

Work files live in <course>/.grading/ (staged copies of the submissions, recorded outputs, one
scratch folder per notebook); originals in the submissions folder are only read. Recorded outputs
are keyed by a digest of what was run, so an interrupted run resumes and a re-run is idempotent.
"""
import collections
import dataclasses
import functools
import hashlib
import json
import shutil
import stat
import sys
import time
from pathlib import Path

import nbformat
from traitlets.config import Config

from ..instructor import course
from . import execute, forked, inputs, patches, results, sanitize, score
from .options import Options, course_config
from .zygote import Zygote

# Files beside the notebook are copied for it to read: each at most MAX_EXTRA_FILE, and in all
# at most MAX_EXTRA_FILES files and MAX_EXTRA_BYTES.
MAX_EXTRA_FILE, MAX_EXTRA_FILES, MAX_EXTRA_BYTES = 20 * 2**20, 100, 64 * 2**20


@dataclasses.dataclass
class Submission:
    student: str
    assignment: course.Assignment
    folder: Path
    problems: list = dataclasses.field(default_factory=list)    # what was wrong with the file itself
    flags: list = dataclasses.field(default_factory=list)       # what the grader saw while running it
    refused: str = ""       # why the submission's folder was not read (a symbolic link): graded blank
    zeroed: bool = False    # nbgrader could not grade it: every cell scores zero (problems say why)
    seconds: float = 0.0
    reused: bool = False


def find_submissions(submitted: Path, assignments: list) -> list:
    """Every <student>/<assignment>/ folder under `submitted`, for the course's assignments. A
    folder that is a symbolic link is not followed: it is a submission refused (graded blank); a
    student folder that is one stands for each assignment the other students handed in."""
    found, linked_students = [], []
    for student_folder in sorted(Path(submitted).iterdir()):
        if student_folder.is_symlink():
            linked_students.append(student_folder)
        elif student_folder.is_dir():
            for assignment in assignments:
                folder = student_folder / assignment.name
                if folder.is_symlink():
                    found.append(Submission(student_folder.name, assignment, folder,
                                            refused="the submission folder is a symbolic link"))
                elif folder.is_dir():
                    found.append(Submission(student_folder.name, assignment, folder))
    handed_in = [a for a in assignments if any(s.assignment == a for s in found)]
    for student_folder in linked_students:
        found += [Submission(student_folder.name, a, student_folder / a.name,
                             refused="the student folder is a symbolic link") for a in handed_in]
    return sorted(found, key=lambda s: (s.student, assignments.index(s.assignment)))


def grade(root: Path, submitted: Path, options: Options, log=print) -> tuple:
    """Grade every submission in `submitted` as `options` say; (submissions, cell rows, seconds)."""
    with patches.one_engine():
        return _grade(root, submitted, options, log)


@dataclasses.dataclass(frozen=True)
class _Staging:
    """Where a run keeps its work (<course>/.grading/) and what preparing a notebook needs."""
    root: Path
    config: Config
    settings: list   # what changes a result: the re-run key

    @property
    def staged(self) -> Path:      # sanitized copies of the submissions, as nbgrader scores them
        return self.root / ".grading" / "submitted"

    @property
    def executed(self) -> Path:    # the recorded outputs of each notebook
        return self.root / ".grading" / "executed"

    @property
    def work(self) -> Path:        # one scratch folder per notebook
        return self.root / ".grading" / "work"

    @property
    def db_url(self) -> str:
        return course.gradebook_url(self.root)

    def executed_path(self, submission) -> Path:
        return self.executed / submission.student / submission.assignment.name / f"{submission.assignment.notebook}.json"


class _Phases:
    """Seconds spent in each phase of the run, for its last line."""

    def __init__(self):
        self.started, self.seconds = time.perf_counter(), {}

    def lap(self, phase: str) -> None:  # seconds since the end of the previous phase
        self.seconds[phase] = time.perf_counter() - self.started - sum(self.seconds.values())

    def total(self) -> float:
        return time.perf_counter() - self.started

    def __str__(self):
        return ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in self.seconds.items())


def _grade(root, submitted, options, log):
    root, submitted = Path(root).resolve(), Path(submitted).resolve()
    phases = _Phases()
    config = course_config(root)
    assignments = course.written_assignments(root)
    submissions = find_submissions(submitted, assignments)
    if not submissions:
        raise SystemExit(f"backprop-lab grade: no <student>/<assignment>/ folders in {submitted}")
    _ensure_in_gradebook(root, {s.assignment for s in submissions}, log)
    staging = _Staging(root, config, [grader_code_digest(), *options.rerun_key()])

    # on the other core, while this process imports torch & co.
    prepared = forked.start(functools.partial(_prepare_all, submissions, staging))
    score_assignment, finish_scoring = score.start_scoring(
        root, score.grading_config(config, staging.staged.relative_to(root), staging.executed))
    kernel = execute.warm_up(options.figures)
    limits = execute.Limits(cell_timeout=options.cell_timeout)
    zygote = Zygote(kernel, limits, confinement(root, options.confine, log),  # before this process reads any notebook
                    options.tamper_checks)
    phases.lap("start")
    jobs = _jobs(submissions, prepared(), options)
    execute.ready(kernel, zygote, [job for _, job in jobs])
    phases.lap("prepare (after start)")

    finished = _Finished(jobs, staging, score_assignment, results.ProgressBar(len(jobs), log))
    for name in sorted({s.assignment.name for s in submissions} - set(finished.to_run)):
        score_assignment(name)  # nothing of it to run again
    try:
        execute.run_all([job for _, job in jobs], options.workers, limits, kernel, zygote, progress=finished)
    finally:
        zygote.close()
    finished.bar.close()
    phases.lap("run")
    _note_scoring_failures(submissions, finish_scoring, log)
    phases.lap("scoring left after the run")
    for submission in submissions:
        path = staging.executed_path(submission)
        record = json.loads(path.read_text()) if path.is_file() else {"flags": [], "seconds": 0.0}
        submission.flags, submission.seconds = _merge_flags(record["flags"]), record["seconds"]
    rows = results.cell_rows(root, submissions)
    results.write_tables(root, submissions, rows)
    log(f"time spent: {phases}")
    return submissions, rows, phases.total()


def _prepare_all(submissions, staging):
    """Sanitize and stage every submission (in a forked process): what each needs run, as JSON."""
    prepared, releases = [], {}
    for submission in submissions:
        a = submission.assignment
        if a not in releases:
            releases[a] = nbformat.read(a.release(staging.root), as_version=4)
        job = _prepare_or_zero(submission, releases[a], staging)
        prepared.append({"problems": submission.problems, "reused": submission.reused,
                         "zeroed": submission.zeroed, "job": job and dataclasses.asdict(job)})
    return prepared


def _jobs(submissions, prepared, options):
    """(submission, Job) to run, from what _prepare_all sent back; assignment by assignment, so
    that each is scored as soon as its last notebook has run."""
    jobs = []
    for submission, outcome in zip(submissions, prepared):
        submission.problems, submission.reused, submission.zeroed = (outcome["problems"], outcome["reused"],
                                                                     outcome["zeroed"])
        if outcome["job"]:
            spec = outcome["job"]
            if not options.tamper_checks:
                spec["escape"] = None  # what the scan found: a tamper check
            jobs.append((submission, execute.Job(**spec)))
    return sorted(jobs, key=lambda pair: pair[0].assignment.name)


class _Finished:
    """Called as each notebook finishes: record its outputs, advance the bar, and score its
    assignment once its last notebook is in."""

    def __init__(self, jobs, staging, score_assignment, bar):
        self.by_key = {job.key: submission for submission, job in jobs}
        self.to_run = collections.Counter(submission.assignment.name for submission, _ in jobs)
        self.staging, self.score_assignment, self.bar = staging, score_assignment, bar

    def __call__(self, job, result):
        submission = self.by_key[job.key]
        _record(job, result, submission, self.staging.executed_path(submission))
        self.bar.advance()
        self.to_run[submission.assignment.name] -= 1
        if self.to_run[submission.assignment.name] == 0:
            self.score_assignment(submission.assignment.name)


def _note_scoring_failures(submissions, finish_scoring, log):
    """What nbgrader could not grade or render becomes a problem of that submission (of each one
    of its assignment when it failed as a whole); a scorer that died leaves every grade in doubt."""
    try:
        failures = finish_scoring()
    except RuntimeError as error:
        log(f"the scoring process failed: {error}")
        failures = [{"assignment": s.assignment.name, "student": s.student, "zero": False,
                     "problem": "the scoring process failed: this grade may be out of date"} for s in submissions]
    for failure in failures:
        for s in submissions:
            if s.assignment.name == failure["assignment"] and failure["student"] in (None, s.student):
                s.problems.append(failure["problem"])
                s.zeroed = s.zeroed or failure["zero"]


def _merge_flags(flags):
    """[[cell, reason], ...] -> ["reason (cells 6, 7, 9)", ...], one line per reason."""
    cells = {}
    for cell, reason in flags:
        cells.setdefault(reason, []).append(cell)
    return [f"{reason} (cell{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))})"
            for reason, numbers in cells.items()]


def _ensure_in_gradebook(root, assignments, log):
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(course.gradebook_url(root)) as book:
        missing = []
        for assignment in assignments:
            try:
                book.find_notebook(assignment.notebook, assignment.name)
            except MissingEntry:
                missing.append(assignment)
    for assignment in missing:
        log(f"{assignment.name} is not in the gradebook yet: generating it from source/")
        course.generate(root, assignment)


def grader_code_digest() -> str:
    """A digest of the package's Python code (the grader and the helpers notebooks import): a
    changed grader runs every notebook again, with no version number to bump by hand."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _prepare_or_zero(submission, release, staging):
    """_prepare; if it fails on what this submission holds, the submission scores zero, with why,
    and nothing of it is staged for nbgrader: the other notebooks go on."""
    try:
        return _prepare(submission, release, staging)
    except Exception as error:  # noqa: BLE001 - whatever it was, it is this notebook's alone
        submission.problems.append(f"the grader could not prepare the notebook ({type(error).__name__}: "
                                   f"{str(error)[:200]}): every cell scores zero")
        submission.zeroed = True
        shutil.rmtree(staging.staged / submission.student / submission.assignment.name, ignore_errors=True)
        staging.executed_path(submission).unlink(missing_ok=True)
        return None


def _prepare(submission, release, staging):
    """Stage a repaired copy, sanitize it, and return the execution Job (None if already run)."""
    a = submission.assignment
    root, target = staging.root, staging.staged / submission.student / a.name
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    if submission.refused:
        notebook, submission.problems = sanitize.blank(a.release(root), f"{submission.refused} and was not followed")
    else:
        notebook, submission.problems = sanitize.repair(submission.folder / f"{a.notebook}.ipynb", a.release(root))
        submission.problems += _copy_extra_files(submission.folder, target, f"{a.notebook}.ipynb")

    if not any("nbgrader" in cell.metadata for cell in notebook.cells):
        notebook = sanitize.transplant(notebook, release)
        submission.problems.append("the notebook had lost all nbgrader metadata: its answers were put "
                                   "back into the release notebook's exercise cells")
    submission.problems += sanitize.tampered_cells(notebook, release)
    sanitizing = sanitize.sanitize_config(staging.config)

    def sanitized(notebook):
        return sanitize.sanitize(nbformat.from_dict(notebook), sanitizing, staging.db_url, a.name, a.notebook,
                                 submission.student)

    try:
        clean = sanitized(notebook)
    except Exception as error:  # whatever nbgrader chokes on must not stop the batch
        notebook = sanitize.transplant(notebook, release)
        submission.problems.append(f"nbgrader could not sanitize the notebook ({type(error).__name__}: "
                                   f"{error}): its answers were put back into the release notebook")
        clean = sanitized(notebook)
    nbformat.write(clean, target / f"{a.notebook}.ipynb")  # scored as it was run
    cells = [(cell_kind(cell), cell.source) for cell in clean.cells if cell.cell_type == "code"]
    # what was run and how (the grader's code, figures, time limit, sandbox, tamper checks): a change of any runs it again
    digest = hashlib.sha256(json.dumps([staging.settings, cells]).encode()).hexdigest()
    path = staging.executed_path(submission)
    if path.is_file() and json.loads(path.read_text()).get("digest") == digest:
        submission.reused = True
        return None
    workdir = staging.work / f"{submission.student}--{a.name}"
    if workdir.exists():
        shutil.rmtree(workdir)
    # The notebook's own folder, without the notebook: its test cells hold the hidden tests.
    shutil.copytree(target, workdir, ignore=lambda folder, names: [f"{a.notebook}.ipynb"] if folder == str(target) else [])
    return execute.Job(f"{submission.student}/{a.name}", cells, str(workdir), digest=digest,
                       escape=execute.first_escape(cells))


def _copy_extra_files(folder, target, notebook_name):
    """Copy the regular files beside the notebook into `target`, within the MAX_EXTRA_* bounds;
    links, pipes, sockets and devices are refused without being followed or opened, and folders
    are left out. Returns what was not copied, for the report."""
    problems, copied, total, over_bounds = [], 0, 0, 0
    for extra in sorted(folder.iterdir()):
        info = extra.lstat()
        if extra.name == notebook_name or stat.S_ISDIR(info.st_mode):
            continue
        if copied == MAX_EXTRA_FILES or total + info.st_size > MAX_EXTRA_BYTES:
            over_bounds += 1
            continue
        try:
            data = inputs.read_regular(extra, MAX_EXTRA_FILE)
        except inputs.Refused as refused:
            problems.append(f"the extra file {extra.name!r} {refused}: not copied")
            continue
        (target / extra.name).write_bytes(data)
        copied, total = copied + 1, total + len(data)
    if over_bounds:
        problems.append(f"{over_bounds} extra file(s) not copied: the grader copies at most {MAX_EXTRA_FILES} "
                        f"files and {MAX_EXTRA_BYTES // 2**20} MB in all")
    return problems


def cell_kind(cell) -> str:
    """How a notebook cell is run: a test cell (graded, no solution), a locked cell, or student code."""
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("grade") and not meta.get("solution"):
        return execute.TEST
    if meta.get("locked") and not meta.get("solution"):
        return execute.LOCKED
    return execute.STUDENT


def _record(job, result, submission, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    cells, flags = [], list(result.flags)
    for number, ((_, source), outputs, count) in enumerate(zip(job.cells, result.outputs, result.counts), 1):
        outputs, problems = inputs.checked_outputs(outputs)  # student code shaped them: nbformat's rules
        flags += [[number, problem] for problem in problems]
        cells.append({"source": source, "outputs": outputs, "count": count})
    record = {"digest": job.digest, "cells": cells, "flags": flags, "seconds": result.seconds}
    path.with_suffix(".tmp").write_text(json.dumps(record))
    path.with_suffix(".tmp").replace(path)  # a crash never leaves half a record behind


def confinement(root: Path, confine: bool, log=print) -> dict | None:
    """What the sandbox hides from student code (the course) and keeps visible (Python, this
    package); None without the sandbox."""
    if not confine:
        log("warning: running without the sandbox (--no-sandbox): student code can read the course")
        return None
    # The environment, the Python it is made from and this package stay visible wherever they
    # live: inside the course folder, or under /tmp, which the child also replaces with an empty one.
    keep = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(__file__).resolve().parents[1]}
    return {"hidden": [str(root)], "keep": [str(p) for p in sorted(keep)]}
