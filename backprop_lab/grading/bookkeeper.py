"""The bookkeeping process of a grading run: all of nbgrader's part, beside the notebooks running.

`backprop-lab grade` works in two processes. The runner (grade.py) imports torch and what the
notebooks use, starts the zygote and runs every notebook; it never imports nbgrader, which keeps it
and every process forked from it lighter. The bookkeeper is forked from the runner first and
imports nbgrader on the other core meanwhile. Then it:

1. makes sure the gradebook knows every assignment (generating those it lacks from source/);
2. stages every submission (staging.py) and hands the runner the jobs to run;
3. scores each assignment as soon as the runner says its last notebook has run (score.py);
4. once the runner says all have run, writes the results (results.py: cell rows from the gradebook,
   grades.csv, cell_results.csv) and, when asked, the class report; and hands back what the
   runner prints.
"""
import dataclasses
import functools
import json
import os
import traceback

from ..instructor import course
from . import forked, results


class Bookkeeper:
    """The runner's side: start the bookkeeper now, then take its jobs, ask for scores, close."""

    def __init__(self, submissions: list, staging, report: bool, log):
        jobs_reader, jobs_writer = os.pipe()
        requests_reader, requests_writer = os.pipe()
        self._submissions, self._staging, self._report, self._log = submissions, staging, report, log
        self._outcome = forked.start(
            functools.partial(_keep_books, submissions, staging, report, log, jobs_writer, requests_reader),
            close=[jobs_reader, requests_writer])
        os.close(jobs_writer)
        os.close(requests_reader)
        self._jobs, self._requests = jobs_reader, requests_writer

    def prepared(self) -> list:
        """What staging.prepare_all gave, once it is done."""
        with os.fdopen(self._jobs) as pipe:
            text = pipe.read()
        if not text:
            os.close(self._requests)
            self._outcome()  # raises RuntimeError with what went wrong
            raise RuntimeError("the bookkeeping process ended before staging the submissions")
        return json.loads(text)

    def score(self, assignment: str) -> None:
        """Every notebook of `assignment` has run: score it."""
        try:
            os.write(self._requests, json.dumps(assignment).encode() + b"\n")
        except BrokenPipeError:
            pass  # the bookkeeper is gone: close() says so, and has the results written anyway

    def close(self) -> list:
        """Wait for the scoring and the results; bring the submissions up to date (problems,
        flags, totals) and return the cell rows. If the bookkeeper failed, a new process writes
        the results, every grade flagged as in doubt: a run always ends with its tables."""
        os.close(self._requests)
        try:
            outcome = self._outcome()
        except RuntimeError as error:
            self._log(f"the bookkeeping process failed: {error}")
            doubt = [{"assignment": s.assignment.name, "student": s.student, "zero": False,
                      "problem": "the scoring process failed: this grade may be out of date"}
                     for s in self._submissions]
            outcome = forked.start(functools.partial(_results_anyway, self._submissions, self._staging, doubt,
                                                     self._report, self._log))()
        for submission, state in zip(self._submissions, outcome["submissions"]):
            submission.problems, submission.flags = state["problems"], state["flags"]
            submission.zeroed, submission.seconds = state["zeroed"], state["seconds"]
            submission.total = results.Total(**state["total"])
        return outcome["rows"]


def _keep_books(submissions, staging, report, log, jobs_writer, requests_reader):
    """The bookkeeper itself (steps 1-4 of the module's docstring)."""
    from .execute import collections_paused
    with collections_paused():  # nbgrader's imports; the runner waits for the jobs
        from . import score, staging as stage
        from .patches import one_engine

    with one_engine():
        _ensure_in_gradebook(staging.root, {s.assignment for s in submissions}, log)
        prepared = stage.prepare_all(submissions, staging)
        with os.fdopen(jobs_writer, "w") as pipe:
            json.dump(prepared, pipe)
        if report:  # its plotting library, loaded while the first notebooks run rather than at the end
            from matplotlib.backends import backend_svg  # noqa: F401
            from matplotlib import figure  # noqa: F401
        config = score.grading_config(staging.config, staging.staged.relative_to(staging.root), staging.executed)
        failures, pages = [], []
        with os.fdopen(requests_reader) as requests:
            for line in requests:
                assignment = json.loads(line)
                failures += score.autograde(staging.root, assignment, config)
                # Its feedback pages in a process of their own: the next assignment, or after the
                # last one the results (which need only the grades), go on meanwhile.
                pages.append((assignment, forked.start(
                    functools.partial(score.feedback_pages, staging.root, assignment, config))))
        rows, totals = _results(submissions, staging, failures, report, log)
        unrendered = [failure for assignment, rendered in pages for failure in _rendered(assignment, rendered)]
        if unrendered:  # a page nbconvert could not make is a problem of its submission, in the results too
            _note(unrendered, submissions)
            _write_results(submissions, staging, rows, totals, report, log)
        return _handed_back(submissions, rows, totals)


def _rendered(assignment, rendered):
    """What score.feedback_pages found it could not render, once its process is done."""
    try:
        return rendered()
    except RuntimeError as error:
        return [{"assignment": assignment, "student": None, "zero": False,
                 "problem": f"the feedback pages could not be made: they may be missing ({str(error)[-300:]})"}]


def _results(submissions, staging, failures, report, log):
    """Step 4: what failed in scoring noted on its submissions, each one's flags and time from
    its run's record, the cell rows and totals; the tables and the report written. (rows, totals)."""
    _note(failures, submissions)
    for s in submissions:
        path = staging.executed_path(s)
        record = json.loads(path.read_text()) if path.is_file() else {"flags": [], "seconds": 0.0}
        s.flags, s.seconds = _merged_flags(record["flags"]), record["seconds"]
    rows = results.cell_rows(staging.root, submissions)
    totals = results.totals(staging.root, submissions, rows)
    _write_results(submissions, staging, rows, totals, report, log)
    return rows, totals


def _merged_flags(flags):
    """[[cell, reason], ...] -> ["reason (cells 6, 7, 9)", ...], one line per reason."""
    cells = {}
    for cell, reason in flags:
        cells.setdefault(reason, []).append(cell)
    return [f"{reason} (cell{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))})"
            for reason, numbers in cells.items()]


def _results_anyway(submissions, staging, failures, report, log):
    """The results, written by a new process when the bookkeeper failed."""
    return _handed_back(submissions, *_results(submissions, staging, failures, report, log))


def _note(failures, submissions):
    """What nbgrader could not grade or render becomes a problem of that submission (of each one
    of its assignment when it failed as a whole)."""
    for failure in failures:
        for s in submissions:
            if s.assignment.name == failure["assignment"] and failure["student"] in (None, s.student):
                s.problems.append(failure["problem"])
                s.zeroed = s.zeroed or failure["zero"]


def _write_results(submissions, staging, rows, totals, report, log):
    results.write_tables(staging.root, submissions, rows, totals)
    if report:
        _write_report(staging.root, log)


def _handed_back(submissions, rows, totals):
    """What the runner needs of the results, as JSON."""
    return {"rows": rows,
            "submissions": [{"problems": s.problems, "flags": s.flags, "zeroed": s.zeroed, "seconds": s.seconds,
                             "total": dataclasses.asdict(totals.get((s.student, s.assignment.name), results.Total()))}
                            for s in submissions]}


def _write_report(root, log):
    """report/index.html; a failure is said, removes the last run's report (it no longer matches
    the grades) and leaves the grades as they are."""
    from ..instructor.report import report_path, write_report

    try:
        write_report(root)
    except Exception:  # noqa: BLE001 - the tables are written: the report is a view of them
        report_path(root).unlink(missing_ok=True)
        log(f"the class report could not be written:\n{traceback.format_exc()}")


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
