"""grading/needs.py: the test process runs the locked cells the tests may need, and no demonstration
that would run student code a second time."""
import os
import tempfile

from backprop_lab.grading import execute, forked, needs

L, S, T = execute.LOCKED, execute.STUDENT, execute.TEST
SETUP = (L, "import numpy as np")
STUDENT = (S, "class Net:\n    def step(self):\n        return 1\n\ndef f(x):\n    return x")


def run_for_tests(*cells, transform=lambda source: source):
    return sorted(needs.locked_cells_for_tests([SETUP, STUDENT, *cells], transform, {}))


def test_a_demonstration_of_student_code_runs_only_in_the_student_process():
    assert run_for_tests((L, "net = Net()\nfor k in range(3):\n    net.step()"), (T, "assert f(1) == 1")) == [0]


def test_a_locked_cell_whose_names_a_test_reads_runs_for_the_tests():
    assert run_for_tests((L, "net = Net()"), (T, "assert net.step() == 1")) == [0, 2]


def test_what_a_needed_cell_reads_is_needed_in_turn():
    assert run_for_tests((L, "net = Net()"), (L, "def helper():\n    return net.step()"), (T, "assert helper()")) == [0, 2, 3]


def test_a_locked_cell_that_cannot_call_student_code_runs_for_the_tests():
    """Settings and helpers: they may change what tests compute, and cost nothing over the line."""
    assert run_for_tests((L, "np.set_printoptions(precision=3)"), (L, "import torch\ntorch.set_default_dtype(torch.float64)"),
                         (T, "assert f(1) == 1")) == [0, 2, 3]


def test_a_name_the_test_binds_first_is_not_read_from_an_earlier_cell():
    demo = (L, "x = f(2)\nnet = Net()\nfor k in range(2):\n    y = net.step()")
    test = (T, "x = 1\nfor k, y in [(1, 2)]:\n    assert f(x + k + y)\nwith open('/dev/null') as net:\n    assert net")
    assert run_for_tests(demo, test) == [0]
    assert run_for_tests(demo, (T, "for k in [1]:\n    pass\nassert f(k)")) == [0, 2]  # the loop may not run


def test_a_function_reads_names_when_called():
    """A name read in a test's function is read from the namespace unless bound before the function."""
    demo = (L, "x = f(2)")
    assert run_for_tests(demo, (T, "def check():\n    return f(x)\nx = 3\nassert check()")) == [0, 2]
    assert run_for_tests(demo, (T, "x = 3\ndef check():\n    return f(x)\nassert check()")) == [0]


def test_names_a_cell_cannot_see_make_every_earlier_locked_cell_run():
    demo = (L, "net = Net()\nnet.step()")
    for opaque in ("assert globals()['net']", "assert eval('net')", "from math import *\nassert f(1)",
                   "assert f(1) ==", "%time f(1)"):
        assert run_for_tests(demo, (T, opaque), transform=_ipython_transform) == [0, 2], opaque


def _ipython_transform(source):
    from IPython.core.inputtransformer2 import TransformerManager
    return TransformerManager().transform_cell(source)


def test_a_skipped_locked_cell_runs_student_code_once_and_keeps_its_outputs():
    """As in one kernel: the demonstration calls the student's function once, its output is recorded."""
    def run():
        kernel = execute.warm_up()
        workdir = tempfile.mkdtemp(prefix="needs-")
        cells = [(L, "import numpy as np"), (S, "calls = []\ndef f():\n    calls.append(1)\n    return len(calls)"),
                 (L, "print('demo', f())"), (T, "assert f() == 2, 'the demonstration ran student code twice'")]
        job = execute.Job("needs", cells, workdir)
        from backprop_lab.grading.zygote import Zygote
        zygote = Zygote(kernel, execute.Limits(cell_timeout=20), None, False)
        execute.ready(kernel, zygote, [job])
        try:
            return execute.run_all([job], 1, execute.Limits(cell_timeout=20), kernel, zygote)["needs"].outputs
        finally:
            zygote.close()
            os.rmdir(workdir)

    outputs = forked.start(run)()
    assert outputs[2] == [{"output_type": "stream", "name": "stdout", "text": "demo 1\n"}]
    assert not any(output["output_type"] == "error" for output in outputs[3]), outputs[3]
