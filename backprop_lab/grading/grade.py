"""`backprop-lab grade`: the batch pipeline stage -> execute (isolated) -> score -> report.

This module is the runner, the process that runs the notebooks; staging, scoring and the results
are nbgrader's part, done meanwhile by the bookkeeping process (bookkeeper.py). Work files live in
<course>/.grading/ (staged copies of the submissions, recorded outputs, one scratch folder per
notebook); originals in the submissions folder are only read. Recorded outputs are keyed by a
digest of what was run, so an interrupted run resumes and a re-run is idempotent.
"""
import collections
import dataclasses
import hashlib
import json
import sys
import time
from pathlib import Path

from traitlets.config import Config

from ..instructor import course
from . import execute, inputs, results
from .bookkeeper import Bookkeeper
from .options import Options, course_config
from .zygote import Zygote


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
    total: results.Total | None = None  # its points, once scored


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


def grade(root: Path, submitted: Path, options: Options, log=print, report: bool = False) -> tuple:
    """Grade every submission in `submitted` as `options` say, and write the class report too if
    `report`; (submissions, cell rows, seconds)."""
    root, submitted = Path(root).resolve(), Path(submitted).resolve()
    phases = _Phases()
    assignments = course.written_assignments(root)
    submissions = find_submissions(submitted, assignments)
    if not submissions:
        raise SystemExit(f"backprop-lab grade: no <student>/<assignment>/ folders in {submitted}")
    staging = Staging(root, course_config(root), [grader_code_digest(), *options.rerun_key()])

    books = Bookkeeper(submissions, staging, report, log)  # on the other core, while this process imports torch & co.
    kernel = execute.warm_up(options.figures)
    limits = execute.Limits(cell_timeout=options.cell_timeout)
    zygote = Zygote(kernel, limits, confinement(root, options.confine, log),  # before this process reads any notebook
                    options.tamper_checks)
    phases.lap("start")
    jobs = _jobs(submissions, books.prepared(), options)
    execute.ready(kernel, zygote, [job for _, job in jobs])
    phases.lap("prepare (after start)")

    finished = _Finished(jobs, staging, books.score, results.ProgressBar(len(jobs), log))
    for name in sorted({s.assignment.name for s in submissions} - set(finished.to_run)):
        books.score(name)  # nothing of it to run again
    try:
        execute.run_all([job for _, job in jobs], options.workers, limits, kernel, zygote, progress=finished)
    finally:
        zygote.close()
    finished.bar.close()
    phases.lap("run")
    rows = books.close()
    phases.lap("scoring and results after the run")
    log(f"time spent: {phases}")
    return submissions, rows, phases.total()


@dataclasses.dataclass(frozen=True)
class Staging:
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


def _jobs(submissions, prepared, options):
    """(submission, Job) to run, from what staging.prepare_all gave; assignment by assignment, so
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


def grader_code_digest() -> str:
    """A digest of the package's Python code (the grader and the helpers notebooks import): a
    changed grader runs every notebook again, with no version number to bump by hand."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


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
