"""No input aborts a batch, and a submission is files, not links. One class of 01_loss notebooks,
each with one hazard in what was handed in (JSON nested too deeply, display data of the wrong
type, links, pipes, an oversized file), is graded in a single batch: the batch completes with
both CSV files, the honest control student gets full marks, and each hazard's row scores nothing
undeserved and says why in grades.csv."""
import csv
import json
import os
import re

import nbformat
import pytest

from classes import assignment_named, grade_with_backprop_lab, scratch_class, student_notebook
from conftest import ROOT
from variants import variants

LOSS = assignment_named("01_loss")
MSE_TESTS = {"test_mse_forward", "test_mse_backward", "test_mse_any_shape", "test_mse_state"}
ALL_TESTS = MSE_TESTS | {"test_bce_forward", "test_bce_backward", "test_bce_any_shape", "test_bce_extremes",
                         "test_bce_state"}
TOO_DEEP = 600  # parses, but nbformat's recursive code runs out of stack on it
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)


def correct():
    return student_notebook(LOSS, next(v for v in variants("01_loss") if v.name == "correct_vectorised"))


def in_mse_cell(code):
    notebook = correct()
    mse = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "mse_loss")
    mse.source = code + "\n" + mse.source
    return notebook


def nested_in(place, depth):
    """The correct notebook's file with a list nested `depth` levels deep at `place` of the
    mse_loss cell or the notebook: JSON text, as no library writes it."""
    data = json.loads(nbformat.writes(correct()))
    mse = next(c for c in data["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "mse_loss")
    if place == "output":
        mse["outputs"] = [{"output_type": "display_data", "data": {"application/json": "DEEP"}, "metadata": {}}]
    else:
        (mse["metadata"] if place == "cell metadata" else data["metadata"])["deep"] = "DEEP"
    return json.dumps(data).replace('"DEEP"', "[" * depth + "]" * depth).encode()


def displayed(data, metadata="{}"):
    """A student cell that displays a raw mime bundle, as any code can."""
    return in_mse_cell(f"from IPython.display import display\ndisplay({data}, metadata={metadata}, raw=True)")


DEEP_VALUE = f"v = []\nfor _ in range({TOO_DEEP}):\n    v = [v]\n"

# name -> (notebook file: NotebookNode, bytes or None to make it below; cells that must score
# zero; what grades.csv must say)
HAZARDS = {
    "deep_json_in_the_file": (nested_in("output", 100_000), ALL_TESTS, "nested too deeply to read"),
    "deep_notebook_metadata": (nested_in("notebook metadata", TOO_DEEP), set(), "nested deeper than"),
    "deep_cell_metadata": (nested_in("cell metadata", TOO_DEEP), set(), "nested deeper than"),
    "deep_output_at_run_time": (in_mse_cell(DEEP_VALUE + "display({'application/json': v}, raw=True)"), set(),
                                "nested deeper than"),
    "wrong_typed_display_data": (displayed("{'text/markdown': {'a': 1}, 'image/svg+xml': 5, 'text/plain': 'x'}"),
                                 set(), "nbformat does not allow"),
    # valid nbformat that nbconvert's templates cannot render: the class of "feedback fails"
    "unrenderable_widget_view": (displayed("{'application/vnd.jupyter.widget-view+json': 5, 'text/plain': 'x'}"),
                                 set(), "no feedback page"),
    "unrenderable_output_metadata": (displayed("{'text/html': '<b>x</b>'}", "{'text/html': 5}"), set(),
                                     "no feedback page"),
    "notebook_linked_to_the_source": (None, ALL_TESTS, "the notebook is a symbolic link"),
    "notebook_is_a_fifo": (None, ALL_TESTS, "the notebook is a named pipe"),
    "oversized_notebook": (None, ALL_TESTS, "the notebook is larger than 50 MB"),
    "extra_file_linked_to_the_gradebook": (correct(), set(), "'gradebook.db' is a symbolic link"),
    "extra_file_is_a_fifo": (correct(), set(), "'notes.txt' is a named pipe"),
    "too_many_extra_files": (correct(), set(), "50 extra file(s) not copied"),
    "submission_folder_linked": (None, ALL_TESTS, "the submission folder is a symbolic link"),
    "student_folder_linked": (None, ALL_TESTS, "the student folder is a symbolic link"),
}


def hand_in_the_hazards(scratch):
    """What cannot be a notebook passed to scratch_class: links, pipes, extra files."""
    submitted = scratch / "submitted"

    def folder(student):
        path = submitted / student / "01_loss"
        path.mkdir(parents=True, exist_ok=True)
        return path

    os.symlink(scratch / "source" / "01_loss" / "loss.ipynb", folder("notebook_linked_to_the_source") / "loss.ipynb")
    os.mkfifo(folder("notebook_is_a_fifo") / "loss.ipynb")
    with open(folder("oversized_notebook") / "loss.ipynb", "wb") as oversized:
        oversized.write(nbformat.writes(correct()).encode())
        oversized.truncate(51 * 2**20)  # a sparse file: no disk written, and a grader must not read it
    os.symlink(scratch / "gradebook.db", folder("extra_file_linked_to_the_gradebook") / "gradebook.db")
    os.mkfifo(folder("extra_file_is_a_fifo") / "notes.txt")
    for number in range(150):
        (folder("too_many_extra_files") / f"data_{number:03}.txt").write_text(f"{number}\n")
    (submitted / "submission_folder_linked").mkdir()
    os.symlink(submitted / "control" / "01_loss", submitted / "submission_folder_linked" / "01_loss")
    os.symlink(submitted / "control", submitted / "student_folder_linked")


def flagged(scratch):
    with open(scratch / "grades.csv") as f:
        return {row["student"]: row["flagged"] for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs") / "course"
    submissions = {("control", "01_loss"): correct()}
    submissions.update({(name, "01_loss"): notebook for name, (notebook, _, _) in HAZARDS.items()
                        if notebook is not None})
    scratch = scratch_class(folder, submissions)
    hand_in_the_hazards(scratch)
    done, scores = grade_with_backprop_lab(scratch, "--timeout", "20")
    return {"scratch": scratch, "report": done.stdout, "scores": scores, "flagged": flagged(scratch)}


def test_the_batch_completes_and_the_control_student_gets_full_marks(graded):
    assert set(graded["scores"]) == {(s, "01_loss") for s in ["control", *HAZARDS]}
    assert set(graded["flagged"]) == {"control", *HAZARDS}, "grades.csv has a row for every submission"
    assert all(score == top for score, top in graded["scores"][("control", "01_loss")].values())
    assert graded["flagged"]["control"] == ""
    assert (graded["scratch"] / "feedback" / "control" / "01_loss" / "loss.html").is_file()


@pytest.mark.parametrize("name", list(HAZARDS))
def test_hazard(graded, name):
    _, zero_cells, reason = HAZARDS[name]
    cells = graded["scores"][(name, "01_loss")]
    assert set(cells) == ALL_TESTS, "every graded cell is scored, none added"
    for cell_name, (score, top) in cells.items():
        if cell_name in zero_cells:
            assert score == 0, f"{name}: {cell_name} earned {score} undeservedly"
        else:
            assert score == top, f"{name}: {cell_name} lost points it deserved ({score}/{top})"
    assert reason in graded["flagged"][name], f"grades.csv should say '{reason}' for {name}"


def model_answers():
    """The source notebook's answers: its written answer, and the code between its solution markers."""
    source = nbformat.read(ROOT / "source" / "01_loss" / "loss.ipynb", as_version=4)
    cells = [c for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")]
    return ([c.source for c in cells if c.cell_type == "markdown"]
            + [block.strip() for c in cells for block in SOLUTION.findall(c.source)])


def test_a_linked_notebook_carries_nothing_of_the_source(graded):
    autograded = graded["scratch"] / "autograded" / "notebook_linked_to_the_source" / "01_loss" / "loss.ipynb"
    sources = "\n".join(c.source for c in nbformat.read(autograded, as_version=4).cells)
    answers = model_answers()
    assert len(answers) >= 3 and not any(answer in sources for answer in answers), "the model answers were graded"


def test_links_and_pipes_are_not_copied(graded):
    for place in ("submitted", "work"):
        copies = {p.name for p in (graded["scratch"] / ".grading" / place).rglob("*")}
        assert "gradebook.db" not in copies and "notes.txt" not in copies, place
    staged = graded["scratch"] / ".grading" / "submitted" / "too_many_extra_files" / "01_loss"
    assert len(list(staged.glob("data_*.txt"))) == 100


def test_a_rerun_gives_the_same_grades(graded):
    done, scores = grade_with_backprop_lab(graded["scratch"], "--timeout", "20")
    assert scores == graded["scores"]
    assert flagged(graded["scratch"]) == graded["flagged"]


def test_what_is_wrong_with_an_output_is_said_without_its_values():
    """Students read these problems (results.json): student code chose the output's keys and values."""
    from backprop_lab.grading import inputs

    for output in ({"output_type": "display_data", "data": {"text/plain": 207521994}, "metadata": {}},
                   {"output_type": "display_data", "data": {"text/plain": "x"}, "metadata": {}, "k207521994": 1},
                   {"output_type": "stream", "name": "stdout", "text": 207521994}):
        checked, [problem] = inputs.checked_outputs([output])
        assert "nbformat does not allow" in problem and "207521994" not in problem + json.dumps(checked), problem
