"""Scoring is nbgrader's own: `nbgrader autograde` runs as usual, except that its Execute step
replays the outputs our isolated children produced instead of starting a kernel."""
import json
import logging
import os
import re
import warnings
from pathlib import Path

import nbformat
from nbconvert.exporters import HTMLExporter, html as nbconvert_html
from nbgrader.converters import Autograde, GenerateFeedback
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode
from traitlets.config import Config

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


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML exporter without its BeautifulSoup pass over the finished page, which
    takes most of the time of a feedback page. On nbgrader's feedback template (classic cells)
    that pass only gives images without one an alt text: done here with a regular expression."""

    def from_notebook_node(self, nb, resources=None, **kw):
        original = nbconvert_html.BeautifulSoup
        nbconvert_html.BeautifulSoup = _UnparsedPage
        try:
            page, resources = super().from_notebook_node(nb, resources, **kw)
        finally:
            nbconvert_html.BeautifulSoup = original
        return _IMAGE_WITHOUT_ALT.sub(r'<img alt="No description has been provided for this image"', page), resources


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
    config.Autograde.sanitize_preprocessors = []
    steps = Autograde.autograde_preprocessors.default()
    config.Autograde.autograde_preprocessors = [ReplayOutputs if step.__name__ == "Execute" else step
                                                for step in steps]
    config.Autograde.create_student = True
    config.GenerateFeedback.exporter_class = FeedbackExporter
    return config


def autograde(root, assignment, config):
    """nbgrader autograde of every staged submission: gradebook and autograded/."""
    _convert(Autograde, root, assignment, config)


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
