"""The grader's feedback pages are nbconvert's: one FeedbackExporter renders a class in a row,
remembering rendered cells, highlighted code and rendered markdown across students, and skips the
BeautifulSoup pass over each page. Each page must be the page PageExporter (nbconvert's
HTMLExporter on our template, uncached) makes of that notebook alone, once both are read as HTML
(the pass only re-serializes the page and adds alt text to images)."""
import base64
import copy
from pathlib import Path

import nbformat
import nbgrader
import pytest
from bs4 import BeautifulSoup
from traitlets.config import Config

from backprop_lab.instructor import course
from backprop_lab.grading.feedback import FeedbackExporter, PageExporter
from classes import assignment_named
from conftest import ROOT

PIXEL = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()


def feedback_config():
    """What nbgrader's GenerateFeedback sets for its HTML exporter."""
    formgrader = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
    config = Config()
    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.extra_template_basedirs = [str(formgrader / "templates")]
    config.HTMLExporter.extra_template_paths = [str(formgrader / "static" / "node_modules" / "bootstrap" / "dist" / "css")]
    return config


def graded(notebook, student):
    """The release notebook as GetGrades leaves an autograded one: scores, comments, outputs."""
    notebook = copy.deepcopy(notebook)
    for index, cell in enumerate(notebook.cells):
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") or meta.get("solution"):
            meta["score"], meta["comment"] = float(index % 3), f"{student}: see *line {index}*"
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"{student} {index}\n")]
            if index % 4 == 0:
                cell.outputs.append(nbformat.v4.new_output(
                    "error", ename="AssertionError", evalue=f"wrong for {student}",
                    traceback=["\x1b[0;31mAssertionError\x1b[0m: wrong", f"  at cell {index}"]))
            if index % 5 == 0:
                cell.outputs.append(nbformat.v4.new_output("display_data", data={"image/png": PIXEL}))
    return notebook


@pytest.mark.parametrize("assignment", [a.name for a in course.written_assignments(ROOT)])
def test_a_class_rendered_in_a_row_gets_nbconverts_pages(assignment):
    release = nbformat.read(assignment_named(assignment).release(ROOT), as_version=4)
    students = {"ada": graded(release, "ada"), "blank": graded(release, "blank")}
    edited = graded(release, "bo")  # a student who answered: code and markdown of their own
    for cell in edited.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = "# bo's answer\n" + cell.source if cell.cell_type == "code" else "My **own** words."
    students["bo"] = edited
    resources = {"nbgrader": {"score": 3.0, "max_score": 20.0, "late_penalty": 0}}
    ours = FeedbackExporter(config=feedback_config())
    for name, notebook in [*students.items(), ("ada again", students["ada"])]:
        page, _ = ours.from_notebook_node(notebook, copy.deepcopy(resources))
        reference, _ = PageExporter(config=feedback_config()).from_notebook_node(notebook, copy.deepcopy(resources))
        assert str(BeautifulSoup(page, features="html.parser")) == reference, f"{assignment}, {name}"
