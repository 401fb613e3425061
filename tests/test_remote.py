"""grading/remote.py and student.py: what a test cell sees of student objects across the process
boundary is what it would see if both ran in one process.

Each case is a tiny notebook (a locked cell, a student cell, a test cell) run by the grader's own
execution (a zygote, a student and a test process); the test cell asserts, so a broken semantic
shows as an error output. The whole batch runs in a forked process, since execution freezes the
garbage collector of the process that starts it.
"""
import os
import tempfile
import textwrap

import pytest

from backprop_lab.checks import cell_failures, parse_failures, raised_by_student
from backprop_lab.grading import forked
from backprop_lab.grading.kernel import GRADER_ERRORS, TIMED_OUT, TIMEOUT_ERROR

LOCKED = '''import numpy as np
import torch

def raised(error_type, function, *args, **kwargs):
    """What function(*args, **kwargs) raised, which must be an error_type."""
    try:
        function(*args, **kwargs)
    except error_type as error:
        return error
    raise AssertionError(f"{getattr(function, '__name__', function)} raised no {error_type.__name__}")
'''

CASES = {
    # The test side keeps what it read of a plain attribute; student code that rebinds it, in a
    # method or behind the test's back, must be seen at the next read.
    "rebound_by_a_method": (
        """
        class Layer:
            def __init__(self):
                self.W = np.zeros(3)
                self.scale = 1.0
            def step(self):
                self.W = self.W + 1
                self.scale = 2.0
        """,
        """
        layer = Layer()
        first = layer.W
        assert layer.W is first and layer.scale == 1.0
        layer.step()
        assert np.array_equal(layer.W, np.ones(3)) and layer.scale == 2.0
        """),
    "changed_in_place_by_student_code": (
        """
        class Layer:
            def __init__(self):
                self.W = np.zeros(3)
            def bump(self):
                self.W += 1
        """,
        """
        layer = Layer()
        W = layer.W
        layer.bump()
        assert np.array_equal(W, np.ones(3)) and np.array_equal(layer.W, np.ones(3))
        W[0] = 7.0          # the test's change in place reaches the student's array
        layer.bump()
        assert np.array_equal(layer.W, [8.0, 2.0, 2.0])
        """),
    "a_property_is_asked_every_time": (
        """
        class Counter:
            def __init__(self):
                self.n = 0
            @property
            def next(self):
                self.n += 1
                return self.n
        """,
        """
        c = Counter()
        assert (c.next, c.next, c.next) == (1, 2, 3)
        assert c.n == 3
        """),
    "a_list_attribute_changed_in_place": (
        """
        class Net:
            def __init__(self):
                self.layers = [np.zeros(1)]
            def grow(self):
                self.layers.append(np.ones(2))
            def swap(self):
                self.layers[0] = np.full(1, 5.0)
        """,
        """
        net = Net()
        assert len(net.layers) == 1
        net.grow()
        assert len(net.layers) == 2
        net.swap()
        assert net.layers[0][0] == 5.0
        """),
    "set_by_the_test_then_read": (
        """
        class Linear:
            def __init__(self):
                self.weight = np.zeros((2, 2))
            def forward(self, x):
                return x @ self.weight.T
        """,
        """
        lin = Linear()
        w = np.eye(2)
        lin.weight = w
        assert lin.weight is w            # the test's own array comes back
        assert np.array_equal(lin.forward(np.ones((1, 2))), [[1.0, 1.0]])
        w[0, 0] = 3.0                     # and a later change in place reaches the student side
        assert np.array_equal(lin.forward(np.ones((1, 2))), [[3.0, 1.0]])
        lin.weight = 2.5
        assert lin.weight == 2.5
        """),
    "a_setter_that_stores_something_else": (
        """
        class Clamped:
            def __init__(self):
                self._v = 0.0
            @property
            def v(self):
                return self._v
            @v.setter
            def v(self, value):
                self._v = min(value, 1.0)
        """,
        """
        c = Clamped()
        c.v = 5.0
        assert c.v == 1.0
        """),
    "a_setattr_override": (
        """
        class Doubling:
            def __setattr__(self, name, value):
                object.__setattr__(self, name, value * 2)
        """,
        """
        d = Doubling()
        d.x = 2
        assert d.x == 4
        """),
    "an_attribute_deleted": (
        """
        class Thing:
            def __init__(self):
                self.a = 1
            def drop(self):
                del self.a
        """,
        """
        t = Thing()
        assert t.a == 1
        t.drop()
        try:
            t.a
        except AttributeError:
            pass
        else:
            raise AssertionError("a deleted attribute was still read")
        """),
    "torch_module_parameters": (
        """
        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = torch.nn.Linear(2, 1, dtype=torch.float64)
            def reset(self):
                self.fc = torch.nn.Linear(2, 1, dtype=torch.float64)
                with torch.no_grad():
                    self.fc.weight.fill_(4.0)
        """,
        """
        net = Net()
        before = net.fc.weight
        net.reset()
        assert torch.all(net.fc.weight == 4.0) and not torch.all(before == 4.0)
        """),
    # A reply that hands over an object sends its plain attributes (and those of the objects it
    # holds) ahead of the reads: what the test then reads must still be what student code holds.
    "attributes_sent_ahead": (
        """
        class Layer:
            def __init__(self, n):
                self.W, self.b, self.grad_W = np.zeros((n, n)), np.zeros(n), None
            def backward(self):
                self.grad_W = self.W + 1
        class Net:
            def __init__(self):
                self.fc1, self.fc2, self.name = Layer(2), Layer(3), "net"
                self.layers = [self.fc1, self.fc2]
            def backward(self):
                self.fc1.backward()
                self.fc2 = Layer(4)
                self.fc1.b += 2
                self.layers[1] = self.fc2
            def total(self):
                return float(self.fc1.W.sum() + self.fc2.W.sum())
        """,
        """
        net = Net()
        assert net.layers[1].W.shape == (3, 3)
        fc1 = net.fc1
        assert net.fc1 is fc1 and fc1.grad_W is None and net.name == "net"
        W, b = fc1.W, fc1.b
        W[0, 0] = 5.0
        assert net.total() == 5.0
        net.backward()
        assert net.fc2.W.shape == (4, 4) and fc1.W is W and fc1.b is b
        assert net.layers[1].W.shape == (4, 4) and net.layers[0] is fc1
        assert np.array_equal(fc1.grad_W, W + 1) and np.array_equal(b, [2.0, 2.0])
        net.fc2 = fc1
        assert net.total() == 10.0 and net.fc2 is fc1
        """),
    # The reply's value is written before the test's containers student code changed: one that
    # holds the returned array refers to it.
    "returned_and_stored_in_the_tests_list": (
        """
        def remember(found):
            fresh = np.arange(3.0)
            found.append(fresh)
            return fresh
        """,
        """
        found = []
        fresh = remember(found)
        assert found[0] is fresh and np.array_equal(fresh, [0.0, 1.0, 2.0])
        """),
    "errors_keep_their_type_and_prints_show": (
        """
        def noisy(x):
            print("student says", x)
            raise ValueError("bad input")
        """,
        """
        assert "bad input" in str(raised(ValueError, noisy, 3))
        """),
    # gradcheck asks the student process for a student function at every point in one request;
    # the gradient, what student code prints and the errors it raises are as with one call a point.
    "finite_differences_in_one_request": (
        """
        class Scaled:
            def forward(self, x, scale):
                x *= scale          # changes its input in place: each point must be a fresh copy
                return np.sum(x ** 2)
        def cube(x):
            print("cube at", x.shape)
            return x ** 3
        def broken(x):
            raise ArithmeticError("no gradient here")
        class Layer:
            def __init__(self):
                self.W = np.arange(6.0).reshape(2, 3)
            def forward(self, x):
                return x @ self.W.T
        """,
        """
        from backprop_lab import numerical_gradient, numerical_vjp
        process = object.__getattribute__(cube, "_bpl_remote")[0]
        x = np.arange(6.0).reshape(2, 3)
        asked = process.seq
        gradient = numerical_gradient(Scaled().forward, x, args=(2.0,))
        assert np.allclose(gradient, 8 * x, atol=1e-6) and np.array_equal(x, np.arange(6.0).reshape(2, 3))
        vjp = numerical_vjp(cube, x, np.ones((2, 3)))
        assert np.allclose(vjp, 3 * x ** 2, atol=1e-5)
        # Scaled(); then forward and cube twice each: the first element alone, then all the others
        assert process.seq - asked == 5, process.seq - asked
        layer, inputs = Layer(), np.ones((4, 3))
        W = layer.W
        asked = process.seq
        dW = numerical_vjp(layer.forward, W, np.ones((4, 2)), args=(inputs,), in_place=True)
        assert process.seq - asked == 2, process.seq - asked   # the student's own W nudged there
        assert np.allclose(dW, 4 * np.ones((2, 3)), atol=1e-6)
        assert np.array_equal(layer.forward(inputs), inputs @ np.arange(6.0).reshape(2, 3).T)  # put back
        assert "no gradient here" in str(raised(ArithmeticError, numerical_gradient, broken, x))
        """),
    # What would silently give a zero gradient must not: f handing back the same buffer at every
    # point, and an array to nudge in place that the test side does not keep in step with the
    # student's (a read-only one: a copy would be nudged while f reads its own).
    "finite_differences_edge_cases": (
        """
        class Buffered:
            def __init__(self):
                self.out = np.zeros(2)
            def forward(self, x):
                self.out[...] = x[:2] ** 2
                return self.out
        class Frozen:
            def __init__(self):
                self.W = np.ones(3)
                self.W.setflags(write=False)
            def forward(self, x):
                return x * self.W
        """,
        """
        from backprop_lab import numerical_vjp
        gradient = numerical_vjp(Buffered().forward, np.array([1.0, 2.0, 3.0]), np.ones(2))
        assert np.allclose(gradient, [2, 4, 0], atol=1e-6), gradient
        frozen = Frozen()
        error = raised(ValueError, numerical_vjp, frozen.forward, frozen.W, np.ones(3), args=(np.ones(3),),
                       in_place=True)
        assert "in_place" in str(error), error
        """),
    # A test cell's last change to a student array, with no request after it, still reaches the
    # student process before the next cell.
    "changed_in_place_at_the_end_of_a_cell": (
        """
        class Layer:
            def __init__(self):
                self.W = np.zeros(3)
            def total(self):
                return float(self.W.sum())
        layer = Layer()
        """,
        ("""
        W = layer.W
        W[:] = 2.0
        """, """
        assert layer.total() == 6.0, layer.total()
        """)),
    # Autograd is refused where student code runs, for as long as a test calls it through
    # call_without_autograd: leaving inference mode does not bring it back.
    "autograd_refused_in_the_student_process": (
        """
        def sneaky_gradient(x):
            with torch.inference_mode(False), torch.enable_grad():
                w = torch.tensor(x, requires_grad=True)
                (w ** 2).sum().backward()
                return w.grad.numpy()
        """,
        """
        from backprop_lab.checks import call_without_autograd
        assert np.array_equal(sneaky_gradient(np.ones(2)), [2.0, 2.0])   # allowed outside the check
        failure = raised(AssertionError, call_without_autograd, sneaky_gradient, np.ones(2))
        assert "diagnosis: autograd" in str(failure), failure
        assert np.array_equal(sneaky_gradient(np.ones(2)), [2.0, 2.0])   # and allowed again after it
        """),
}


def _run_cases(cases, tamper_checks=False):
    from backprop_lab.grading import execute
    from backprop_lab.grading.zygote import Zygote

    kernel = execute.warm_up()
    folder = tempfile.mkdtemp(prefix="remote-")
    def cells(student, tests):  # a case's test is one cell's source or a tuple of them
        tests = tests if isinstance(tests, tuple) else (tests,)
        return ([(execute.LOCKED, LOCKED), (execute.STUDENT, textwrap.dedent(student))]
                + [(execute.TEST, textwrap.dedent(test)) for test in tests])

    jobs = [execute.Job(name, cells(*case), f"{folder}/{name}") for name, case in cases.items()]
    for job in jobs:
        os.makedirs(job.workdir)
    zygote = Zygote(kernel, execute.Limits(cell_timeout=20), None, tamper_checks)
    execute.ready(kernel, zygote, jobs)
    try:
        results = execute.run_all(jobs, 2, execute.Limits(cell_timeout=20), kernel, zygote)
    finally:
        zygote.close()
    return {key: {"outputs": result.outputs, "flags": result.flags, "counts": result.counts}
            for key, result in results.items()}


# The harness itself can fail: a test cell whose assertion is false must give an error output.
WRONG = {"wrong_expectation": ("x = 1", "assert x == 2")}
# Student code that prints more than a cell may keep while a test cell calls it (3 MiB, the cap 1 MiB).
FLOOD = {"flood_during_a_call": ("def shout():\n    print('x' * (3 << 20))", "shout()")}
# Errors student code raises while a test cell calls it, each disguised as something the grader trusts.
RAISED = {
    "a_failed_check_forged": ("def f():\n    raise AssertionError('check failed: 1.5, 2.5 — diagnosis: transposed')",
                              "f()"),
    "a_grader_error_name": ("class GraderError(Exception):\n    pass\ndef f():\n    raise GraderError('1.5, 2.5')", "f()"),
    "a_timeout_name": ("class CellTimeoutError(Exception):\n    pass\ndef f():\n    raise CellTimeoutError('1.5, 2.5')",
                       "f()"),
    "raised_by_the_test": ("def f():\n    return 1", "from backprop_lab.checks import fail\nf()\n"
                                                       "fail('f on three points', 'transposed')"),
}


@pytest.fixture(scope="module")
def outcomes():
    return forked.start(lambda: _run_cases({**CASES, **WRONG, **FLOOD, **RAISED}))()


@pytest.mark.parametrize("name", list(CASES))
def test_the_test_cell_sees_what_one_process_would(outcomes, name):
    student_outputs = outcomes[name]["outputs"][1]
    test_outputs = [output for cell in outcomes[name]["outputs"][2:] for output in cell]
    assert outcomes[name]["flags"] == []  # unconfined, with many processes of this user around: no process limit
    assert not [o for o in student_outputs if o["output_type"] == "error"], student_outputs
    errors = [f"{o['ename']}: {o['evalue']}" for o in test_outputs if o["output_type"] == "error"]
    assert not errors, errors
    if name == "errors_keep_their_type_and_prints_show":
        assert any("student says 3" in o.get("text", "") for o in test_outputs), test_outputs
    if name == "finite_differences_in_one_request":
        assert sum(o.get("text", "").count("cube at (2, 3)") for o in test_outputs) == 12, test_outputs


def test_a_wrong_expectation_fails(outcomes):
    assert any(o["output_type"] == "error" and o["ename"] == "AssertionError"
               for o in outcomes["wrong_expectation"]["outputs"][2])


def test_output_cut_during_a_call_is_flagged_on_the_test_cell(outcomes):
    flood = outcomes["flood_during_a_call"]
    kept = sum(len(o.get("text", "")) for o in flood["outputs"][2])
    assert kept <= 1 << 20, kept
    assert [3, "printed more output than the grader keeps (truncated)"] in flood["flags"], flood["flags"]


def test_errors_student_code_raised_say_so_and_never_pass_for_the_graders(outcomes):
    def error(name):
        return next(o for o in outcomes[name]["outputs"][2] if o["output_type"] == "error")

    for name in ("a_failed_check_forged", "a_grader_error_name", "a_timeout_name"):
        assert raised_by_student(error(name)) or error(name)["ename"] == TIMEOUT_ERROR, error(name)
    assert error("a_failed_check_forged")["ename"] == "AssertionError"
    assert parse_failures(error("a_failed_check_forged")["evalue"])  # it reads like a check, and says it is not one
    assert cell_failures({"cells": [{"metadata": {"nbgrader": {"grade_id": "t"}},
                                     "outputs": outcomes["a_failed_check_forged"]["outputs"][2]}]}) == \
        {"t": [{"description": "raised AssertionError", "detail": "", "diagnosis": "error"}]}
    assert error("a_grader_error_name")["ename"] not in GRADER_ERRORS
    assert error("a_timeout_name")["evalue"] == TIMED_OUT  # the grader's words, not the student's
    assert not raised_by_student(error("raised_by_the_test"))
    assert parse_failures(error("raised_by_the_test")["evalue"])[0]["diagnosis"] == "transposed"


# The student side of the line answers as student code makes it: its integrity check reports
# anything, the list of its names fails with any message.
SERVER = "import gc\nserver = next(o for o in gc.get_objects() if type(o).__name__ == 'StudentServer')\n"
FORGED_REPLIES = {
    "a_forged_integrity_report": (SERVER + "server.integrity = lambda: ['hidden inputs: 0.2075219942']", "x = 1"),
    "a_failing_list_of_names": (SERVER + "def fail(*args):\n    raise ValueError('hidden inputs: 0.2075219942')\n"
                                "server._names = fail", "x = 1"),
    "a_chosen_execution_count_and_flags": (
        "import backprop_lab.grading.execute as execute\n"
        "execute.cell_flags = lambda *args, **kwargs: ['hidden inputs: 0.2075219942']\n"
        "get_ipython().execution_count = 2075219942", "x = 1"),
}


def test_what_the_student_side_says_of_itself_reaches_no_student():
    from backprop_lab.grading import gradescope
    from backprop_lab.grading.kernel import INTEGRITY_ERROR, TAMPERING_SEEN

    outcomes = forked.start(lambda: _run_cases(FORGED_REPLIES, tamper_checks=True))()
    reported = outcomes["a_forged_integrity_report"]
    [error] = [o for o in reported["outputs"][2] if o["output_type"] == "error"]
    assert (error["ename"], error["evalue"]) == (INTEGRITY_ERROR, f"not graded: {TAMPERING_SEEN}")  # the grader's words
    [(cell, flag)] = [flag for flag in reported["flags"] if "0.2075219942" in flag[1]]  # the instructor reads it
    assert "0.2075219942" not in gradescope._for_students(f"{flag} (cell {cell})")
    failed = outcomes["a_failing_list_of_names"]["flags"]
    assert [reason for _, reason in failed if "could not be read" in reason and "student code raised" in reason]
    assert "0.2075219942" not in str(failed)
    chosen = outcomes["a_chosen_execution_count_and_flags"]
    assert chosen["counts"][:2] == [1, 2] and "2075219942" not in str(chosen)  # the In [n] of a page, the notes
