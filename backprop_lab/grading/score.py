"""Scoring is nbgrader's own: `nbgrader autograde` runs as usual, except that its Execute step
replays the outputs our isolated children produced instead of starting a kernel, its sanitize
pass is skipped (grade.py staged the notebooks sanitized by the same steps), and the grades of a
notebook are saved in one transaction instead of one per cell."""
import json
import logging
import os
import re
import warnings
from pathlib import Path

import nbformat
from jinja2 import pass_context
from nbconvert.exporters import HTMLExporter, html as nbconvert_html
from nbconvert.filters.highlight import Highlight2HTML
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.converters import Autograde, GenerateFeedback
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor, SaveAutoGrades
from traitlets import Unicode
from traitlets.config import Config

from . import gradebook
from .execute import error_output
from .sanitize import sanitize_config, schema_checked_once


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
                cell.outputs = [error_output("GraderError", "this cell was not run by the grader")]
                cell.execution_count = None
            else:
                cell.outputs, cell.execution_count = nbformat.from_dict(run["outputs"]), run["count"]
        return nb, resources


class SaveAutoGradesAtOnce(SaveAutoGrades):
    """nbgrader's SaveAutoGrades (the same scores, needs_manual_grade and "No response." rules),
    reading the notebook's grades and comments in one query and committing once."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        self.gradebook = Gradebook(info["db_url"])
        with self.gradebook:
            submitted = self.gradebook.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            self.grades = {grade.name: grade for grade in submitted.grades}
            self.comments = {comment.name: comment for comment in submitted.comments}
            for cell in nb.cells:
                self.preprocess_cell(cell, resources, None)
            self.gradebook.db.commit()
        return nb, resources

    def _add_score(self, cell, resources):
        grade = self._row(self.grades, cell)
        grade.auto_score, _ = utils.determine_grade(cell, self.log)
        grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None

    def _add_comment(self, cell, resources):
        comment = self._row(self.comments, cell)
        unchanged = cell.metadata.nbgrader.get("checksum", None) == utils.compute_checksum(cell)
        comment.auto_comment = "No response." if unchanged and not utils.is_task(cell) else None

    @staticmethod
    def _row(rows, cell):
        name = cell.metadata["nbgrader"]["grade_id"]
        if name not in rows:
            raise MissingEntry(f"no gradebook entry for the cell {name!r}")
        return rows[name]


class ReplayedAutograde(Autograde):
    """Autograde's second pass only: the staged notebooks are sanitized already."""

    def convert_single_notebook(self, notebook_filename):
        resources = self.init_single_notebook_resources(notebook_filename)  # names from the submitted path
        self._sanitizing = False
        self._init_preprocessors()
        try:
            with utils.setenv(NBGRADER_EXECUTION="autograde"):
                output, resources = self.exporter.from_filename(notebook_filename, resources=resources)
            self.write_single_notebook(output, resources)
        finally:
            self._sanitizing = True


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML exporter, lighter for a class of near-identical notebooks:
    - code is highlighted and markdown rendered once per distinct cell, not once per student
      (most cells are the release's own; highlighting was two thirds of a page's time);
    - no BeautifulSoup pass over the finished page. On nbgrader's feedback template (classic
      cells) that pass only gives images without one an alt text: done with a regular expression."""

    def from_notebook_node(self, nb, resources=None, **kw):
        if not isinstance(self.filters.get("highlight_code"), _Remembered):
            language = nb.metadata.get("language_info", {})
            highlight = Highlight2HTML(pygments_lexer=language.get("pygments_lexer", language.get("name")), parent=self)
            self.filters = {**self.filters, "highlight_code": _Remembered(highlight)}
        original = nbconvert_html.BeautifulSoup
        nbconvert_html.BeautifulSoup = _UnparsedPage
        try:
            page, resources = super().from_notebook_node(nb, resources, **kw)
        finally:
            nbconvert_html.BeautifulSoup = original
        return _IMAGE_WITHOUT_ALT.sub(r'<img alt="No description has been provided for this image"', page), resources

    @pass_context
    def markdown2html(self, context, source):
        # What else the rendering reads: the cell's attachments, and the folder if images are embedded.
        cell, path = context.get("cell", {}), context.get("resources", {}).get("metadata", {}).get("path", "")
        key = (source, json.dumps(cell.get("attachments", {}), sort_keys=True), path if self.embed_images else "")
        if key not in self._rendered_markdown:
            self._rendered_markdown[key] = super().markdown2html(context, source)
        return self._rendered_markdown[key]

    @property
    def _rendered_markdown(self):
        return self.__dict__.setdefault("_markdown_cache", {})


class _Remembered:
    """A highlight_code filter that highlights each distinct (source, language, metadata) once."""

    def __init__(self, highlight):
        self.highlight, self.seen = highlight, {}

    def __call__(self, source, language=None, metadata=None):
        key = (source, language, json.dumps(metadata, sort_keys=True, default=str))
        if key not in self.seen:
            self.seen[key] = self.highlight(source, language, metadata)
        return self.seen[key]


class _UnparsedPage:
    """Stands in for BeautifulSoup: selects nothing, gives the page back as it came."""

    def __init__(self, page, features=None):
        self.page = page

    def select(self, selector):
        return []

    def __str__(self):
        return self.page


_IMAGE_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)")


def grading_config(course_config, submitted_directory, executed_dir):
    """The converters' config: submissions come staged and already sanitized (grade.py runs
    nbgrader's sanitize steps once, before execution), outputs are replayed, feedback is lighter."""
    config = sanitize_config(course_config)
    config.CourseDirectory.submitted_directory = str(submitted_directory)
    config.ReplayOutputs.executed_dir = str(executed_dir)
    replaced = {"Execute": ReplayOutputs, "SaveAutoGrades": SaveAutoGradesAtOnce}
    config.Autograde.autograde_preprocessors = [replaced.get(step.__name__, step)
                                                for step in Autograde.autograde_preprocessors.default()]
    config.Autograde.create_student = True
    config.GenerateFeedback.exporter_class = FeedbackExporter
    return config


def autograde(root, assignment, config):
    """nbgrader autograde of every staged submission: gradebook and autograded/."""
    _convert(ReplayedAutograde, root, assignment, config)


def start_feedback(root, assignment, config, students, workers):
    """nbgrader generate_feedback: HTML per student in feedback/, rendered by `workers` forked
    processes side by side, while the caller goes on (scoring the next assignment). Returns the
    processes, for finish_feedback."""
    shards = [students[i::workers] for i in range(workers) if students[i::workers]]
    children = []
    for shard in shards:
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                gradebook.after_fork()
                sharded = Config(config)
                sharded.CourseDirectory.student_id_exclude = ",".join(sorted(set(students) - set(shard)))
                _convert(GenerateFeedback, root, assignment, sharded)
                status = 0
            finally:
                os._exit(status)
        children.append(pid)
    return children


def finish_feedback(assignment, children):
    failed = [pid for pid in children if os.waitpid(pid, 0)[1] != 0]
    if failed:
        raise RuntimeError(f"feedback generation failed for {assignment} in {len(failed)} worker(s)")


def _convert(converter_class, root, assignment, config):
    coursedir = CourseDirectory(config=config, root=str(root))
    coursedir.assignment_id = assignment
    converter = converter_class(coursedir=coursedir, config=config)
    converter.force = True
    converter.log = logging.getLogger("nbgrader")  # errors reach the terminal, chatter does not
    with warnings.catch_warnings(), schema_checked_once():
        warnings.filterwarnings("ignore", module="sqlalchemy")
        warnings.filterwarnings("ignore", message=".*not in session.*")
        warnings.filterwarnings("ignore", message="Cell is missing an id field")
        converter.start()
