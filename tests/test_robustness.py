"""`backprop-lab grade` survives hostile and damaged submissions. One class of 01_loss notebooks,
each with one hazard, is graded in a single batch; every test checks one hazard: no undeserved
points, the batch completed, the honest control student is unaffected, the report says why."""
import copy
import json
import re

import nbformat
import pytest

from classes import assignment_named, autograded_points, grade_with_backprop_lab, scratch_class, student_notebook
from variants import variants

LOSS = assignment_named("01_loss")
MSE_TESTS = {"test_mse_forward", "test_mse_backward", "test_mse_any_shape", "test_mse_state"}
BCE_TESTS = {"test_bce_forward", "test_bce_backward", "test_bce_any_shape", "test_bce_extremes", "test_bce_state"}
SECRET = "BEGIN HIDDEN TESTS"
AUTOGRADED_POINTS = autograded_points(LOSS)


def correct():
    return student_notebook(LOSS, next(v for v in variants("01_loss") if v.name == "correct_vectorised"))


def cell(notebook, grade_id):
    return next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def in_mse_cell(code):
    notebook = correct()
    cell(notebook, "mse_loss").source = code + "\n" + cell(notebook, "mse_loss").source
    return notebook


def with_new_cell(code):
    notebook = correct()
    notebook.cells.insert(3, nbformat.v4.new_code_cell(code))
    return notebook


def edited(change):
    notebook = correct()
    change(notebook)
    return notebook


def raw(notebook):
    return nbformat.writes(notebook).encode()


def strip_nbgrader_metadata(notebook):
    for c in notebook.cells:
        c.metadata.pop("nbgrader", None)


def move_tests_to_end(notebook):
    tests = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("test_")]
    notebook.cells = [c for c in notebook.cells if c not in tests] + tests


READ_ATTEMPT = """
import glob
for pattern in ['{root}/source/*/*.ipynb', '{root}/gradebook.db', '{root}/submitted/*/*/*.ipynb',
                '{root}/.grading/*/*/*/*', '{root}/tests/submissions/*/*.py']:
    for path in glob.glob(pattern):
        try:
            print(open(path, errors='replace').read())
        except OSError as error:
            print('refused', error)
"""
WRITE_ATTEMPT = """
for path in ['{root}/gradebook.db', '{root}/release/01_loss/loss.ipynb', '{root}/nbgrader_config.py',
             '{root}/submitted/control/01_loss/loss.ipynb', '/etc/backprop-lab-was-here']:
    try:
        open(path, 'w').write('overwritten by a student')
    except OSError as error:
        print('refused', error)
"""

# name -> (submission, cells that must score zero, text the report must contain)
HAZARDS = {
    "infinite_loop": (lambda: in_mse_cell("while True:\n    pass"), MSE_TESTS, "timed out"),
    "memory_bomb": (lambda: in_mse_cell("import numpy as np\nhog = np.ones((2**17, 2**17))"), MSE_TESTS, "memory"),
    "output_flood": (lambda: in_mse_cell("for _ in range(200000):\n    print('spam ' * 40)"), set(), "output"),
    "sys_exit": (lambda: in_mse_cell("import sys\nsys.exit(0)"), MSE_TESTS, None),
    "os_exit": (lambda: in_mse_cell("import os\nos._exit(0)"), MSE_TESTS | BCE_TESTS, "ended unexpectedly"),
    "segfault": (lambda: in_mse_cell("import ctypes\nctypes.string_at(0)"), MSE_TESTS | BCE_TESTS, "SIGSEGV"),
    "patch_numpy": (lambda: in_mse_cell("import numpy\nnumpy.allclose = lambda *a, **k: True"),
                    MSE_TESTS | BCE_TESTS, "numpy.allclose"),
    "patch_torch": (lambda: in_mse_cell("import torch\ntorch.nn.functional.mse_loss = lambda a, b: (a - b).sum() * 0"),
                    MSE_TESTS | BCE_TESTS, "mse_loss"),
    "patch_test_helper": (lambda: in_mse_cell("import backprop_lab.checks as c\nc.assert_close = lambda *a, **k: None"),
                          MSE_TESTS | BCE_TESTS, "assert_close"),
    "shadow_test_helper": (lambda: in_mse_cell("def assert_close(*args, **kwargs):\n    pass"),
                           MSE_TESTS | BCE_TESTS, "assert_close"),
    "patch_function_code": (lambda: in_mse_cell("import backprop_lab.checks as c\n"
                                                "c.assert_close.__code__ = (lambda *a, **k: None).__code__"),
                            MSE_TESTS | BCE_TESTS, "code of backprop_lab.checks.assert_close"),
    "ipython_transformer": (lambda: in_mse_cell("get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])"),
                            MSE_TESTS | BCE_TESTS, "IPython"),
    "ipython_event": (lambda: in_mse_cell("get_ipython().events.register('pre_run_cell', lambda info: None)"),
                      MSE_TESTS | BCE_TESTS, "IPython"),
    "builtins_patch": (lambda: in_mse_cell("import builtins\nbuiltins.isinstance = lambda *a: True"),
                       MSE_TESTS | BCE_TESTS, "unexpectedly"),  # it breaks the child's own loop
    "trace_hook": (lambda: in_mse_cell("import sys\nsys.settrace(lambda *a: None)"), MSE_TESTS | BCE_TESTS, "trace"),
    "ipython_custom_exception_handler": (lambda: in_mse_cell(
        "get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)"),
        MSE_TESTS | BCE_TESTS, "exception handler"),
    # The next ones hide from the parent's reading of the code; the runtime guard catches them.
    "ipython_hidden_exception_handler": (lambda: in_mse_cell(
        "shell = get_ipython()\ngetattr(shell, 'set_' + 'custom_exc')((BaseException,), lambda *a, **k: None)"),
        MSE_TESTS | BCE_TESTS, "IPython shell was modified"),
    "ipython_hidden_showtraceback": (lambda: in_mse_cell(
        "shell = get_ipython()\nsetattr(shell, 'show' + 'traceback', lambda *a, **k: None)"),
        MSE_TESTS | BCE_TESTS, "IPython shell was modified"),
    "kernel_run_replaced": (lambda: in_mse_cell(
        "kernel = getattr(get_ipython(), 'grading_' + 'kernel')\n"
        "setattr(type(kernel), 'r' + 'un', lambda self, source, limit: ([], 1, False))"),
        MSE_TESTS | BCE_TESTS, "was modified"),
    "outputs_dropped": (lambda: in_mse_cell(
        "import backprop_lab.grading.kernel as k\nk.CellOutputs.add = lambda self, output: None"),
        MSE_TESTS | BCE_TESTS, "replacing part of a library"),
    "forged_replies": (lambda: in_mse_cell(
        "import io, json, struct\nreply = json.dumps({'outputs': [], 'count': 1, 'flags': []}).encode()\n"
        "for fd in range(3, 20):\n    try:\n"
        "        io.FileIO(fd, 'w', closefd=False).write((struct.pack('!Q', len(reply)) + reply) * 30)\n"
        "    except OSError:\n        pass"),
        MSE_TESTS | BCE_TESTS, "never given"),
    "gc_callback": (lambda: in_mse_cell("import gc\ngc.callbacks.append(lambda phase, info: None)"),
                    MSE_TESTS | BCE_TESTS, "garbage collector"),
    "process_flood": (lambda: in_mse_cell(
        "import subprocess\nchildren = [subprocess.Popen(['sleep', '20']) for _ in range(400)]"),
        MSE_TESTS, "processes"),
    "always_equal": (lambda: in_mse_cell(
        "class Anything(float):\n    def __eq__(self, other): return True\n    __ne__ = lambda s, o: False\n"
        "class MSELoss:\n    def forward(self, y, target): return Anything(0.0)\n"
        "    def backward(self):\n        import numpy as np\n        return np.zeros(1).view(type('Same', (np.ndarray,), {'__eq__': lambda s, o: True}))\n"
        "raise SystemExit"), MSE_TESTS, None),
}
# Honest habits that must cost nothing.
HARMLESS = {
    "matplotlib_magic": (lambda: with_new_cell("%matplotlib inline\nimport matplotlib.pyplot as plt"), set(), None),
    "model_eval_and_prints": (lambda: with_new_cell("import numpy as np\nprint(np.eval if hasattr(np, 'eval') else 'ok')\n"
                                                    "signal = np.ones(3)\nsignal.sum()"), set(), None),
}
BAD_INPUTS = {
    "invalid_json": (lambda: b'{"cells": [', MSE_TESTS | BCE_TESTS, "not valid notebook JSON"),
    "empty_file": (lambda: b"", MSE_TESTS | BCE_TESTS, "empty"),
    "missing_notebook": (lambda: None, MSE_TESTS | BCE_TESTS, "missing"),
    "not_utf8": (lambda: raw(correct()).replace(b"Loss functions", b"Loss \xff functions", 1), set(), "UTF-8"),
    "nbformat_3": (lambda: nbformat.writes(nbformat.convert(correct(), 3)).encode(), set(), "upgraded"),
    "tests_deleted": (lambda: edited(lambda nb: nb.cells.remove(cell(nb, "test_mse_backward"))), set(), "deleted"),
    "test_duplicated": (lambda: edited(lambda nb: nb.cells.append(copy.deepcopy(cell(nb, "test_bce_state")))),
                        set(), "appears 2 times"),
    "tests_moved_to_end": (lambda: edited(move_tests_to_end), set(), None),
    "test_retyped_markdown": (lambda: edited(lambda nb: cell(nb, "test_mse_state").update(
        cell_type="markdown", outputs=None, execution_count=None)), set(), None),
    "grade_id_edited": (lambda: edited(lambda nb: cell(nb, "test_mse_forward").metadata.nbgrader.update(
        grade_id="my_own_cell")), set(), "test_mse_forward"),
    "points_edited": (lambda: edited(lambda nb: cell(nb, "test_bce_state").metadata.nbgrader.update(points=100)),
                      set(), "points of 'test_bce_state' were edited"),
    "metadata_stripped": (lambda: edited(strip_nbgrader_metadata), set(), None),
    "huge_outputs": (lambda: edited(lambda nb: cell(nb, "mse_loss").update(outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="x" * 30_000_000)])), set(), None),
    "too_many_cells": (lambda: edited(lambda nb: nb.cells.extend(nbformat.v4.new_code_cell("1") for _ in range(3000))),
                       MSE_TESTS | BCE_TESTS, "more than"),
}
ALL = {**HAZARDS, **HARMLESS, **BAD_INPUTS}
PROCESS_ENDERS = {"os_exit", "segfault", "builtins_patch", "forged_replies"}  # end their own process


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("robustness") / "course"
    submissions = {("control", "01_loss"): correct(), ("reader", "01_loss"): with_new_cell(READ_ATTEMPT.format(root=folder)),
                   ("writer", "01_loss"): with_new_cell(WRITE_ATTEMPT.format(root=folder))}
    submissions.update({(name, "01_loss"): make() for name, (make, _, _) in ALL.items()})
    scratch = scratch_class(folder, submissions)
    (scratch / "submitted" / "extra_files" / "01_loss").mkdir(parents=True)
    nbformat.write(correct(), scratch / "submitted" / "extra_files" / "01_loss" / "loss.ipynb")
    (scratch / "submitted" / "extra_files" / "01_loss" / "notes.txt").write_text("my notes")
    (scratch / "submitted" / "extra_files" / "01_loss" / "big.bin").write_bytes(b"\0" * (30 * 2**20))
    before = {path: path.read_bytes() for path in [scratch / "gradebook.db", scratch / "nbgrader_config.py",
                                                   scratch / "release" / "01_loss" / "loss.ipynb"]}
    originals = {p: p.read_bytes() for p in (scratch / "submitted").glob("*/*/*") if p.is_file()}
    done, scores = grade_with_backprop_lab(scratch, "--timeout", "5")
    return {"scratch": scratch, "report": done.stdout, "scores": scores, "originals": originals,
            "config_before": before}


def report_lines(graded, student):
    """What the report says about `student`, without the student's name."""
    prefix = f"  {student}/01_loss: "
    return "\n".join(line[len(prefix):] for line in graded["report"].splitlines() if line.startswith(prefix))


def test_the_batch_completes_and_the_control_student_gets_full_marks(graded):
    scores = graded["scores"]
    assert set(scores) == {(s, "01_loss") for s in ["control", "reader", "writer", "extra_files", *ALL]}
    assert all(score == top for score, top in scores[("control", "01_loss")].values())
    assert all(score == top for score, top in scores[("extra_files", "01_loss")].values())


@pytest.mark.parametrize("name", list(ALL))
def test_hazard(graded, name):
    _, zero_cells, reason = ALL[name]
    cells = graded["scores"][(name, "01_loss")]
    assert set(cells) == MSE_TESTS | BCE_TESTS, "every graded cell is scored, none added"
    assert sum(top for _, top in cells.values()) == AUTOGRADED_POINTS, "maximum points unchanged"
    for cell_name, (score, top) in cells.items():
        if cell_name in zero_cells:
            assert score == 0, f"{name}: {cell_name} earned {score} undeservedly"
        else:
            assert score == top, f"{name}: {cell_name} lost points it deserved ({score}/{top})"
    if reason:
        assert reason in report_lines(graded, name), f"the report should say '{reason}' for {name}"


def test_a_hazard_harms_only_its_own_notebook(graded):
    """A child holds no descriptor of another: the forger wrote into every one it had, and the
    notebooks graded beside it (and every other) ran to the end."""
    for student, _ in graded["scores"]:
        if student not in PROCESS_ENDERS:
            said = report_lines(graded, student)
            assert "never given" not in said and "ended unexpectedly" not in said, f"{student}: {said}"


def test_student_code_cannot_read_the_course(graded):
    autograded = graded["scratch"] / "autograded" / "reader" / "01_loss" / "loss.ipynb"
    attempt = next(cell for cell in nbformat.read(autograded, as_version=4).cells if "glob.glob(pattern)" in cell.source)
    outputs = json.dumps(attempt.outputs)
    assert SECRET not in outputs and "def forward" not in outputs
    assert all(score == top for score, top in graded["scores"][("reader", "01_loss")].values())


def test_student_code_cannot_write_outside_its_folder(graded):
    for path, content in graded["config_before"].items():
        if path.name != "gradebook.db":  # the grader itself writes the gradebook
            assert path.read_bytes() == content, f"{path} was modified"
    assert "overwritten by a student" not in (graded["scratch"] / "gradebook.db").read_bytes().decode(errors="replace")
    assert not (graded["scratch"] / "release" / "01_loss" / "loss.ipynb").read_text().startswith("overwritten")
    import os
    assert not os.path.exists("/etc/backprop-lab-was-here")


def test_original_submissions_are_never_modified(graded):
    for path, content in graded["originals"].items():
        assert path.read_bytes() == content, f"{path} was modified"


def test_regrading_is_idempotent_and_reuses_finished_work(graded):
    scratch = graded["scratch"]
    (scratch / "submitted" / "control" / "01_loss" / "loss.ipynb").touch()
    done, scores = grade_with_backprop_lab(scratch, "--timeout", "5")
    assert scores == graded["scores"]
    assert notebooks_run(done) == 0


def test_a_changed_option_runs_the_notebook_again(tmp_path):
    """The re-run key covers every option that changes a result: outputs recorded with one time
    limit (or without the sandbox) are not reused under another."""
    scratch = scratch_class(tmp_path / "class", {("ada", "01_loss"): correct()})
    runs = [notebooks_run(grade_with_backprop_lab(scratch, *options)[0])
            for options in (["--timeout", "5"], ["--timeout", "6"], ["--timeout", "6", "--no-sandbox"])]
    assert runs == [1, 1, 1]  # (that the same options reuse the outputs: the test above)


def notebooks_run(done):
    """How many notebooks `backprop-lab grade` ran (not reused from a previous run), from its last line."""
    found = re.findall(r"\((\d+) run, \d+ unchanged since the last run\)", done.stdout)
    assert len(found) == 1, done.stdout[-2000:]
    return int(found[0])
