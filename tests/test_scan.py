"""The parent's reading of student cells (grading/scan.py) flags the tools that reach for the
grader's machinery, and never the code that students write for these exercises."""
import nbformat
import pytest

from backprop_lab.instructor import course
from backprop_lab.grading.scan import escapes, library_names
from conftest import ROOT
from variants import variants

ESCAPING = {
    "import numpy\nnumpy.allclose = lambda *a, **k: True": "replacing part of a library",
    "import backprop_lab.checks as c\nc.assert_close = print": "replacing part of a library",
    "setattr(np, 'allclose', print)": "replacing part of a library",
    "get_ipython().set_custom_exc((Exception,), print)": "IPython's exception handler",
    "ip = get_ipython()\nip.showtraceback = print": "IPython's traceback display",
    "get_ipython().input_transformers_post.append(print)": "IPython's input transformers",
    "import sys\nsys.settrace(print)": "a trace hook",
    "import sys\nframe = sys._getframe(1)": "frame inspection",
    "getattr(sys, '_get' + 'frame')": "a computed attribute of a library",
    "import os\nos.write(5, b'x')": "raw file descriptors and processes",
    "open(5, 'wb')": "raw file descriptors and processes",
    "print(open('/proc/self/fd/5').read())": "the process's own descriptors",
    "import ctypes": "raw memory access",
    "import gc\ngc.get_objects()": "the garbage collector's object lists",
    "f.__code__ = g.__code__": "swapping a function's code",
    "exec('x = 1')": "running generated code",
    "__import__('o' + 's')": "a computed import",
    "vars(np)['allclose'] = print": "the interpreter's or a library's own state",
    "import sys\nsys.modules['numpy'] = None": "the interpreter's or a library's own state",
}
EVERYDAY = ["%matplotlib inline\nimport matplotlib.pyplot as plt", "model.eval()",
            "plt.rcParams['figure.figsize'] = (4, 3)", "np.random.seed(0)", "signal = np.ones(3)\nsignal.sum()",
            "self.W = np.zeros((3, 2))", "layer = getattr(self, f'fc{k}')", "torch.manual_seed(1)",
            "with torch.no_grad():\n    net.fc['1'].weight -= 0.1 * grad", "x = x.T @ W", "!ls"]


@pytest.mark.parametrize("source", list(ESCAPING), ids=range(len(ESCAPING)))
def test_escaping_code_is_flagged_with_what_it_reaches_for(source):
    found = escapes(source, library_names([source]))
    assert ESCAPING[source] in {what for _, what, _ in found}, found


@pytest.mark.parametrize("source", EVERYDAY)
def test_everyday_code_is_not_flagged(source):
    assert escapes(source, library_names([source])) == []


def test_no_solution_and_no_kept_submission_is_flagged():
    """Every exercise cell of the reference solutions and of every kept variant (tests/submissions)."""
    flagged = []
    for assignment in course.written_assignments(ROOT):
        notebook = nbformat.read(assignment.source(ROOT), as_version=4)
        libraries = library_names(cell.source for cell in notebook.cells if cell.cell_type == "code")
        answers = [cell.source for cell in notebook.cells
                   if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution")]
        answers += [source for variant in variants(assignment.name) for source in variant.cells.values()]
        flagged += [(assignment.name, found) for source in answers if (found := escapes(source, libraries))]
    assert not flagged
