"""Staging a class for a grading run: each submission repaired, sanitized by nbgrader's own
steps and copied under <course>/.grading/, with the cells its notebook runs (an execution Job).

This runs in the bookkeeping process (bookkeeper.py), not in the process that runs notebooks: it
reads every notebook, hidden tests included, and needs nbgrader.
"""
import dataclasses
import hashlib
import json
import shutil
import stat

import nbformat

from . import execute, inputs, sanitize

# Files beside the notebook are copied for it to read: each at most MAX_EXTRA_FILE, and in all
# at most MAX_EXTRA_FILES files and MAX_EXTRA_BYTES.
MAX_EXTRA_FILE, MAX_EXTRA_FILES, MAX_EXTRA_BYTES = 20 * 2**20, 100, 64 * 2**20


def prepare_all(submissions: list, staging) -> list:
    """Sanitize and stage every submission (`staging`: a grade.Staging): what each needs run, as JSON."""
    prepared, releases = [], {}
    for submission in submissions:
        a = submission.assignment
        if a not in releases:
            releases[a] = nbformat.read(a.release(staging.root), as_version=4)
        job = _prepare_or_zero(submission, releases[a], staging)
        prepared.append({"problems": submission.problems, "reused": submission.reused,
                         "zeroed": submission.zeroed, "job": job and dataclasses.asdict(job)})
    return prepared


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
