"""Scoring is nbgrader's own: `nbgrader autograde`, then `nbgrader generate_feedback`, in the
bookkeeping process (bookkeeper.py) beside the one running notebooks. Autograde's Execute step
replays the outputs our isolated children produced instead of starting a kernel, its sanitize
pass is skipped (staging.py staged the notebooks sanitized by the same steps), and the grades of a
notebook are read and saved at once instead of cell by cell. Feedback renders each distinct cell once."""
import contextlib
import json
import logging
import warnings
from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbgrader import utils
from nbgrader.api import Comment, Grade, Gradebook
from nbgrader.converters import Autograde, GenerateFeedback
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import GetGrades, NbGraderPreprocessor, SaveAutoGrades
from traitlets import Unicode
from traitlets.config import Config

from . import feedback, gradebook
from .execute import error_output
from .kernel import GRADER_ERROR
from .patches import ValidatedOnce, replaying, schema_checked_once
from .sanitize import sanitize_config


class ReplayOutputs(NbGraderPreprocessor):
    """Stand-in for nbgrader's Execute: copies recorded outputs into the sanitized notebook."""

    executed_dir = Unicode("", help="folder of <student>/<assignment>/<notebook>.json").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        path = Path(self.executed_dir) / info["student"] / info["assignment"] / f"{info['notebook']}.json"
        recorded = json.loads(path.read_text()) if path.is_file() else {"cells": []}
        code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
        for index, cell in enumerate(code_cells):
            run = recorded["cells"][index] if index < len(recorded["cells"]) else None
            if run is None or run["source"] != cell.source:
                cell.outputs = [error_output(GRADER_ERROR, "this cell was not run by the grader")]
                cell.execution_count = None
            else:
                cell.outputs, cell.execution_count = nbformat.from_dict(run["outputs"]), run["count"]
        return nb, resources


class _OneQuery:
    """For preprocessors that read or write every graded cell of one submitted notebook: its
    grades and comments in one query (nbgrader runs one query, and one commit, per cell), then
    `finish` with the database still open."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as self.gradebook:
            self.submitted = self.gradebook.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            self.grades = gradebook.rows_of(self.gradebook, Grade, self.submitted)
            self.comments = gradebook.rows_of(self.gradebook, Comment, self.submitted)
            for cell in nb.cells:
                self.preprocess_cell(cell, resources, None)
            self.finish(resources)
        return nb, resources

    @staticmethod
    def row(rows, cell):
        return gradebook.entry(rows, cell.metadata["nbgrader"]["grade_id"])


class SaveAutoGradesAtOnce(_OneQuery, SaveAutoGrades):
    """nbgrader's SaveAutoGrades: the same scores, needs_manual_grade and "No response." rules."""

    def _add_score(self, cell, resources):
        grade = self.row(self.grades, cell)
        grade.auto_score, _ = utils.determine_grade(cell, self.log)
        grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None

    def _add_comment(self, cell, resources):
        comment = self.row(self.comments, cell)
        unchanged = cell.metadata.nbgrader.get("checksum", None) == utils.compute_checksum(cell)
        comment.auto_comment = "No response." if unchanged and not utils.is_task(cell) else None

    def finish(self, resources):
        self.gradebook.db.commit()


class GetGradesAtOnce(_OneQuery, GetGrades):
    """nbgrader's GetGrades, for feedback: scores, comments and the notebook's total."""

    def _get_comment(self, cell, resources):
        cell.metadata.nbgrader["comment"] = self.row(self.comments, cell).comment

    def _get_score(self, cell, resources):
        grade = self.row(self.grades, cell)
        cell.metadata.nbgrader["score"], cell.metadata.nbgrader["points"] = grade.score, grade.max_score

    def finish(self, resources):
        late_penalty = self.submitted.late_submission_penalty or 0
        if late_penalty:
            self.log.warning("Late submission penalty: %s", late_penalty)
        resources["nbgrader"].update(score=self.submitted.score - late_penalty,
                                     max_score=self.submitted.max_score, late_penalty=late_penalty)


class SubmissionFailed(Exception):
    """nbgrader failed on one submission; its cause is chained."""


class _FailuresNoted:
    """For nbgrader's converters, which go on with the other submissions when one fails and only
    log why: each failure is also noted in `failures`, as [student, why], for that student's row."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.failures, self.student = [], None

    def init_assignment(self, assignment_id, student_id):  # the first step for each submission
        self.student = student_id
        with self.failure_noted():
            super().init_assignment(assignment_id, student_id)

    @contextlib.contextmanager
    def failure_noted(self):
        try:
            yield
        except Exception as error:
            why = type(error).__name__  # its message may quote the notebook's outputs: student code's to shape
            self.failures.append([self.student, why])
            # Raised again as a type nbgrader logs, cleans up after and goes on from: on some others
            # (a database error, a metadata schema version) it stops the assignment's other submissions.
            raise SubmissionFailed(why) from error


class ReplayedAutograde(_FailuresNoted, Autograde):
    """Autograde's second pass only: the staged notebooks are sanitized already."""

    def convert_single_notebook(self, notebook_filename):
        with self.failure_noted():
            resources = self.init_single_notebook_resources(notebook_filename)  # names from the submitted path
            with replaying(self), utils.setenv(NBGRADER_EXECUTION="autograde"):
                output, resources = self.exporter.from_filename(notebook_filename, resources=resources)
            self.write_single_notebook(output, resources)


class FeedbackPages(_FailuresNoted, GenerateFeedback):
    """nbgrader's GenerateFeedback, noting the pages it could not render."""

    def convert_single_notebook(self, notebook_filename):
        with self.failure_noted():
            super().convert_single_notebook(notebook_filename)


class AutogradedExporter(ValidatedOnce, NotebookExporter):
    pass


def grading_config(course_config: Config, submitted_directory: Path, executed_dir: Path) -> Config:
    """The converters' config: submissions come staged and already sanitized (grade.py runs
    nbgrader's sanitize steps once, before execution), outputs are replayed, feedback is feedback.py's."""
    config = sanitize_config(course_config)
    config.CourseDirectory.submitted_directory = str(submitted_directory)
    config.ReplayOutputs.executed_dir = str(executed_dir)
    replaced = {"Execute": ReplayOutputs, "SaveAutoGrades": SaveAutoGradesAtOnce}
    config.Autograde.autograde_preprocessors = [replaced.get(step.__name__, step)
                                                for step in Autograde.autograde_preprocessors.default()]
    config.Autograde.create_student = True
    config.Autograde.exporter_class = AutogradedExporter
    feedback.configure(config)
    config.GenerateFeedback.preprocessors = [GetGradesAtOnce if step is GetGrades else step
                                             for step in config.GenerateFeedback.preprocessors]
    return config


def autograde(root: Path, assignment: str, config: Config) -> list:
    """nbgrader autograde on every submission of `assignment` (the gradebook, autograded/).
    Returns what failed, one {assignment, student (None: all of the assignment's), problem,
    zero (every cell of it then scores zero)} per submission."""
    return _failures(ReplayedAutograde, root, assignment, config, zero=True,
                     one_failed="nbgrader could not grade the notebook ({}): every cell scores zero",
                     all_stopped="nbgrader stopped grading the assignment ({}): this grade may be incomplete")


def feedback_pages(root: Path, assignment: str, config: Config) -> list:
    """nbgrader generate_feedback on the autograded submissions of `assignment` (feedback/);
    what failed, as autograde() says it."""
    return _failures(FeedbackPages, root, assignment, config, zero=False,
                     one_failed="no feedback page: nbconvert could not render it ({})",
                     all_stopped="nbgrader stopped making the assignment's feedback ({}): this page may be missing")


def _failures(converter, root, assignment, config, zero, one_failed, all_stopped):
    return [{"assignment": assignment, "student": student,
             "problem": (one_failed if student is not None else all_stopped).format(why),
             "zero": zero and student is not None}
            for student, why in _convert(converter, root, assignment, config)]


def _convert(converter_class, root, assignment, config):
    """Run an nbgrader converter on every submission of `assignment`; return [student, why] for
    each it failed on, or [None, why] if it failed on the assignment as a whole."""
    coursedir = CourseDirectory(config=config, root=str(root))
    coursedir.assignment_id = assignment
    converter = converter_class(coursedir=coursedir, config=config)
    converter.force = True
    converter.log = logging.getLogger("nbgrader")  # errors reach the terminal, chatter does not
    try:
        with warnings.catch_warnings(), schema_checked_once():
            warnings.filterwarnings("ignore", module="sqlalchemy")
            warnings.filterwarnings("ignore", message=".*not in session.*")
            warnings.filterwarnings("ignore", message="Cell is missing an id field")
            converter.start()
    except Exception as error:  # noqa: BLE001 - nbgrader's summary of the failures noted, or a failure of its own
        if not converter.failures:
            converter.failures.append([None, f"{type(error).__name__}: {str(error)[:200]}"])
    return converter.failures
