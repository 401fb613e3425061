"""Checks for visible and hidden tests: a test states what it checks, the check names the mistake.

An author writes

    check_close(layer.backward(dy), expected, "Tanh.backward(dy) for x of shape (3, 7)",
                upstream=dy, alternatives={"derivative_at_wrong_point": dy * (1 - x**2)})

where `expected` is computed in the test cell (autograd, finite differences): this package holds
no solutions. The description is written for students ("MSELoss.backward on batches of three
other shapes"). On success a check is silent. On failure it compares the student's result with
the reference under transformations (transposed, scaled by a constant or by a count of the data,
negated, reduced over other axes, reshaped, ...) and with the alternatives the test supplied, and
raises an AssertionError whose message is

    check failed: <description> — diagnosis: <name>[ (<detail>)]
    <one or more lines for the student>

The first line is stable and machine-readable (`FAILURE_LINE`, `parse_failures`): <description>
is the test's text, <name> one of `DIAGNOSES` below (or a name the test gave an alternative, in
snake_case), and the optional <detail> says which factor, axis or shape. The lines after it never
contain the expected numbers: only what property failed and, where the mistake is recognised, a
hint. `assert_close` (used by the visible tests, whose source students see) adds the expected and
returned values below that.

Every check first makes sure the student returned the right *kind* of thing (a number, an array
of the right shape, finite values) and converts it to a plain float64 NumPy value, so objects that
pretend to be equal to everything cannot pass.
"""
import contextlib
import itertools
import re
import textwrap

import numpy as np

from .gradcheck import numerical_gradient, rel_error

DEFAULT_RTOL = 1e-5
SEPARATOR = " — diagnosis: "

# name -> what it tells the student (the detail, when there is one, is added in brackets)
DIAGNOSES = {
    "transposed": "your result is the transpose of the expected one (rows and columns swapped).",
    "wrong_sign": "your result has the opposite sign of the expected one.",
    "constant_factor": "your result is the expected one times a constant: check constant factors "
                       "(the 2 of a square, a division you added or forgot).",
    "sum_not_mean": "your result is a sum where a mean belongs: divide by the number of terms.",
    "mean_not_sum": "your result is a mean where a sum belongs: do not divide by the number of terms.",
    "incomplete_reduction": "your result still has an axis that should have been reduced: "
                            "a mean or sum over every axis gives a single number.",
    "wrong_axis": "your result is reduced over the wrong axis (or too many axes).",
    "broadcast": "your result has more elements than expected: two arrays of different shapes were "
                 "probably broadcast together (for example (n, 1) with (n,) gives (n, n)).",
    "flattened": "the number of elements is right; the result should keep the expected shape "
                 "(no flattening, squeezing or extra axis of length 1).",
    "wrong_shape": "your result has the wrong shape.",
    "wrong_type": "your result is not the kind of value expected.",
    "wrong_dtype": "your result should hold real numbers (floats).",
    "float32": "your result is in float32 and loses precision: compute in float64.",
    "not_finite": "your result contains NaN or inf.",
    "zeros": "your result is all zeros: nothing is computed yet.",
    "constant": "your result is the same number everywhere: it does not depend on the input.",
    "returns_input": "your result is one of the inputs, unchanged: nothing is computed from it.",
    "ignores_upstream": "your result is the local derivative only: multiply it by the upstream "
                        "gradient dy (the chain rule).",
    "modified_input": "your code modified one of its inputs in place. Inputs belong to the caller: "
                      "compute new arrays (for example `a = a - b` instead of `a -= b`) or work on a copy.",
    "stale_cache": "your result comes from an earlier call: store what backward needs at every forward "
                   "(and recompute it each time).",
    "shared_cache": "your result comes from another object: keep each object's cache in self, not "
                    "on the class or in a global.",
    "derivative_at_wrong_point": "the derivative is evaluated at the wrong point: a formula written in "
                                 "terms of the output (like 1 - y**2) was applied to the pre-activation "
                                 "(or the reverse).",
    "autograd": "your code used autograd where the exercise asks for gradients by hand.",
    "accumulated": "your result adds the earlier call's result to this one: replace it instead.",
    "missing_term": "your result lacks a term of the formula (a bias, a factor of the chain rule).",
    "wrong_value": "the values are wrong.",
}
# Details made from the test's own data (the counts it named, its inputs' names). Any other detail
# is measured on what student code returned (its shape, dtype, type, factor, the distance to the
# expected value): once a hidden test has run, student code can shape those to carry the test's
# data out (a constant return value and its relative error give the expected value; a factor
# chosen among a hundred, two digits), so only instructors read them (the autograded notebook, in
# formgrader). Of factors, students read the one of the commonest mistake: the 2 of a square.
TEST_DETAILS = {"sum_not_mean", "mean_not_sum", "returns_input"}
SMALL_FACTOR = re.compile(r"×-?(?:1/)?2")


def detail_for_students(diagnosis: str, detail: str) -> str:
    """The part of a failed check's detail a student may read once a hidden test has run."""
    if diagnosis in TEST_DETAILS or diagnosis == "constant_factor" and SMALL_FACTOR.fullmatch(detail or ""):
        return detail or ""
    return ""

FAILURE_LINE = re.compile(r"^(?:[^\n]*?: )?check failed: (?P<description>.*) — diagnosis: (?P<diagnosis>[a-z0-9_]+)"
                          r"(?: \((?P<detail>.*)\))?\s*$", re.M)


class _Failure(Exception):
    """Internal: a diagnosis found while converting or comparing (turned into AssertionError)."""

    def __init__(self, diagnosis, detail=None, text=None):
        super().__init__(diagnosis)
        self.diagnosis, self.detail, self.text = diagnosis, detail, text


def fail(description, diagnosis="wrong_value", detail=None, text=None):
    """Raise the AssertionError of a failed check (the format of this module's docstring).

    `text` replaces the standard explanation of `diagnosis` (never put expected numbers in it)."""
    head = f"check failed: {description}{SEPARATOR}{diagnosis}" + (f" ({detail})" if detail else "")
    explanation = text or DIAGNOSES.get(diagnosis) or diagnosis.replace("_", " ") + "."
    raise AssertionError(f"{head}\n{explanation[0].upper()}{explanation[1:]}")


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# The last line of the traceback of an error the grader's test process rebuilt from one student
# code raised (grading/remote.py): its message is the student's, never a check's.
STUDENT_RAISED = "(raised by the student's code)"


def raised_by_student(error) -> bool:
    """Whether an error output (a dict as nbformat reads it) is one student code raised in a test."""
    return list(error.get("traceback", []))[-1:] == [STUDENT_RAISED]


def parse_failures(text):
    """[{"description", "diagnosis", "detail"}] for every failure line in `text`: an error's value,
    or a traceback (its colour codes and an "AssertionError: " before the line are skipped)."""
    text = _ANSI.sub("", text or "")
    return [{"description": m["description"], "diagnosis": m["diagnosis"], "detail": m["detail"] or ""}
            for m in FAILURE_LINE.finditer(text)]


def failure_of(message: str) -> dict | None:
    """The failed check a test's error message states, as parse_failures gives it: only from its
    first line, and only if that line is one (fail() writes it there). A line further down, or
    after other words, may come from a value student code returned that the message quotes."""
    line = (message or "").split("\n", 1)[0]
    failures = parse_failures(line) if line.startswith("check failed: ") else []
    return failures[0] if failures else None


def check(condition, description, diagnosis="wrong_value", detail=None, text=None):
    """Fail with `diagnosis` unless `condition` is true (for properties no comparison expresses)."""
    if not condition:
        fail(description, diagnosis, detail, text)


# --- kinds: numbers and arrays ---------------------------------------------------------------------

def check_scalar(value, description):
    """`value` as a Python float; fails unless it is one finite real number.

    Accepts Python/NumPy real numbers and 0-d arrays or tensors (not bool, not shape (1,))."""
    try:
        return _scalar(value)
    except _Failure as problem:
        fail(description, problem.diagnosis, problem.detail, problem.text)


def check_array(value, description, shape=None):
    """`value` as a float64 NumPy copy; fails unless it is a finite real array (of `shape`)."""
    try:
        array, _ = _array(value)
        if shape is not None:
            _same_shape(array, tuple(shape))
        _finite(array)
        return array
    except _Failure as problem:
        fail(description, problem.diagnosis, problem.detail, problem.text)


def check_unchanged(before, after, name):
    """Fail if the input `name` was modified in place (`before` is a copy taken beforehand); the
    check reads "<name> is left unchanged"."""
    if not np.array_equal(np.asarray(before), np.asarray(after)):
        fail(f"{name} is left unchanged", "modified_input", text=f"your code modified its input {name} in "
             "place. Inputs belong to the caller: compute new arrays (for example `a = a - b` instead of "
             "`a -= b`) or work on a copy.")


def check_close(got, reference, description, rtol=DEFAULT_RTOL, *, alternatives=None, inputs=None,
                upstream=None, counts=None, show_values=False):
    """Fail unless `got` matches `reference` (a number or an array) to relative error `rtol`.

    Diagnoses a failure from the reference itself (transposed, factors, signs, counts of its axes,
    shapes, dtype) and from what the test adds:
      alternatives  {name: value}: results of known mistakes the test can compute (a stale cache,
                    the derivative at the pre-activation, ...); `name` becomes the diagnosis
      inputs        {name: array}: the arguments (a result equal to one, or to one of its sums or
                    means over some axes, is named)
      upstream      dy of a backward pass (a result that is the reference divided by dy forgot it)
      counts        {name: n}: counts that are not axes of the reference (the batch size of db)
    `show_values` adds the expected and returned values (visible tests only)."""
    try:
        _compare(got, reference, rtol, alternatives or {}, inputs or {}, upstream, counts or {})
    except _Failure as problem:
        text = problem.text or DIAGNOSES.get(problem.diagnosis)
        if show_values:
            text = (text or "") + _values(got, reference)
        fail(description, problem.diagnosis, problem.detail, text)


def check_gradient(f, x, got, description, rtol=DEFAULT_RTOL, *, args=(), in_place=False, **diagnose):
    """Fail unless `got` matches the numerical gradient of the scalar function f(x, *args) at x
    (`args` and `in_place` as for numerical_gradient)."""
    reference = numerical_gradient(f, x, args=args, in_place=in_place)
    check_close(got, reference, description, rtol=rtol, **diagnose)


# Names of the first version of this module, used by the visible tests (values shown).
as_scalar, as_array, assert_unchanged = check_scalar, check_array, check_unchanged


def assert_close(got, expected, name, rtol=DEFAULT_RTOL, **diagnose):
    """check_close with the expected and returned values shown (for visible tests)."""
    check_close(got, expected, name, rtol=rtol, show_values=True, **diagnose)


def assert_gradient(f, x, got, name, rtol=DEFAULT_RTOL, *, args=(), in_place=False, **diagnose):
    assert_close(got, numerical_gradient(f, x, args=args, in_place=in_place), name, rtol=rtol, **diagnose)


# --- the comparison and its diagnoses --------------------------------------------------------------

def _scalar(value):
    if isinstance(value, (bool, np.bool_)):
        raise _Failure("wrong_type", "bool", f"a number is expected, but it returned a bool ({value!r}).")
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
    else:
        array, _ = _array(value, expected="a single number (a float)")
        if array.shape != ():
            raise _Failure("incomplete_reduction" if array.size > 1 else "flattened", f"shape {array.shape}",
                           f"a single number (a float) is expected, but it returned an array of shape "
                           f"{array.shape}. A mean or sum over all elements gives a scalar; use float(...) "
                           "to turn a one-element result into a number.")
        number = float(array)
    if not np.isfinite(number):
        raise _Failure("not_finite", None, f"it returned {number}, which is not finite.")
    return number


def _array(value, expected="a NumPy array"):
    """(float64 plain ndarray copy, original dtype)."""
    if type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.generic) and not isinstance(value, np.bool_):
        value = np.asarray(value)
    if not isinstance(value, np.ndarray):
        name = _type_name(value)
        raise _Failure("wrong_type", name, f"{expected} is expected, but it returned {name}.")
    if value.dtype.kind not in "iuf":
        raise _Failure("wrong_dtype", str(value.dtype),
                       f"the result should hold real numbers, but its dtype is {value.dtype}.")
    return np.array(value, dtype=np.float64), value.dtype


def _type_name(value):
    """The name of `value`'s type where Python, NumPy or torch defines it; a class of the
    notebook's own could be named anything (after what its code saw of a hidden test, too)."""
    if type(value).__module__.split(".")[0] in ("builtins", "numpy", "torch"):
        return type(value).__name__
    return "an object of a class of its own"


def _finite(array):
    if not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0]
        raise _Failure("not_finite", None, "the result contains NaN or inf "
                       f"(first at index {tuple(int(i) for i in bad)}).")


def _same_shape(array, shape, reference=None):
    got = array.shape
    if got == shape:
        return
    text = f"your result has shape {got}, expected {shape}."
    if len(got) == len(shape) == 2 and got == shape[::-1]:
        if reference is not None and rel_error(array, reference.T) < 1e-6:
            raise _Failure("transposed", f"shape {got}", text + " Hint: that is the transpose of the expected shape, "
                           "and the values are those of the transpose.")
        raise _Failure("transposed", f"shape {got}", text + " Hint: that is the transpose of the expected shape.")
    if array.size == int(np.prod(shape)):
        hint = (" Hint: the batch axis (the first one) is missing." if got == shape[1:] else
                " Hint: there is an extra (or missing) axis of length 1." if got in ((1,) + shape, shape + (1,))
                or tuple(d for d in got if d != 1) == tuple(d for d in shape if d != 1) else
                " Hint: the number of elements is right; the result should keep the input's shape.")
        raise _Failure("flattened", f"shape {got}", text + hint)
    if got == shape[1:]:
        raise _Failure("wrong_shape", f"shape {got}", text + " Hint: the batch axis (the first one) is missing.")
    if array.size > int(np.prod(shape)):
        try:
            if np.broadcast_shapes(got, shape) == got:
                raise _Failure("broadcast", f"shape {got}", text + " " + DIAGNOSES["broadcast"].capitalize())
        except ValueError:
            pass
        if len(got) == len(shape) + 1 and shape in (got[1:], got[:-1]):
            raise _Failure("broadcast", f"shape {got}", text + " " + DIAGNOSES["broadcast"].capitalize())
    raise _Failure("wrong_shape", f"shape {got}", text)


def _compare(got, reference, rtol, alternatives, inputs, upstream, counts):
    scalar = np.ndim(reference) == 0 and not isinstance(reference, np.ndarray)
    if scalar:
        expected = np.array(float(reference))
        try:
            value = np.array(_scalar(got))
            dtype = np.dtype(np.float32) if isinstance(got, np.float32) else np.dtype(np.float64)
        except _Failure as problem:
            _named_alternative(got, alternatives)
            if problem.diagnosis == "incomplete_reduction":
                _incomplete_reduction(got, expected, problem)
            raise
        error = abs(float(value) - float(expected)) / max(abs(float(expected)), abs(float(value)), 1e-300)
    else:
        expected = np.asarray(reference, dtype=np.float64)
        value, dtype = _array(got)
        if value.shape != expected.shape:
            _named_alternative(value, alternatives)
            _reduced_input(value, inputs)
            _unreduced(value, expected)
            _same_shape(value, expected.shape, expected)
        _finite(value)
        error = rel_error(value, expected)
    if error <= rtol:
        return
    _diagnose(value, expected, dtype, error, alternatives, inputs, upstream, counts)


def _close(a, b, tolerance=1e-6):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and rel_error(a, b) <= tolerance


def _named_alternative(value, alternatives):
    for name, alternative in alternatives.items():
        try:
            candidate = np.asarray(alternative, dtype=np.float64)
            mine = value if isinstance(value, np.ndarray) and value.dtype == np.float64 else _array(value)[0] \
                if not isinstance(value, (int, float, np.number)) else np.array(float(value))
        except (_Failure, TypeError, ValueError):
            continue
        if _close(mine, candidate):
            raise _Failure(name)


def _incomplete_reduction(got, expected, problem):
    array, _ = _array(got)
    for axes in _axis_subsets(array.ndim):
        for how, reduce in (("mean", np.mean), ("sum", np.sum)):
            if _close(reduce(array, axis=axes), expected):
                raise _Failure("incomplete_reduction", f"shape {array.shape}; its {how} over axis "
                               f"{_axes_text(axes)} is right", problem.text)


def _unreduced(value, expected):
    """A result with extra axes whose sum (or mean) over them is the reference: a formula for one
    example applied to a batch, a missing sum over the batch."""
    if value.size <= expected.size or not np.all(np.isfinite(value)):
        return
    for axes in _axis_subsets(value.ndim):
        for how, reduce in (("sum", np.sum), ("mean", np.mean)):
            reduced = reduce(value, axis=axes)
            if reduced.shape == expected.shape and _close(reduced, expected):
                raise _Failure("incomplete_reduction", f"shape {value.shape}; its {how} over axis {_axes_text(axes)} "
                               "is right", f"your result has shape {value.shape}, expected {expected.shape}: "
                               f"it still has the axis that should have been {'summed' if how == 'sum' else 'averaged'} over.")


def _reduced_input(value, inputs):
    for name, array in inputs.items():
        try:
            array = np.asarray(array, dtype=np.float64)
        except (TypeError, ValueError):
            continue
        for axes in _axis_subsets(array.ndim):
            for reduce in (np.sum, np.mean):
                reduced = reduce(array, axis=axes)
                if reduced.shape == value.shape and _close(value, reduced) and np.any(array):
                    raise _Failure("wrong_axis", f"shape {value.shape}: {name} reduced over axis {_axes_text(axes)}")


def _diagnose(value, expected, dtype, error, alternatives, inputs, upstream, counts):
    _named_alternative(value, alternatives)
    if dtype == np.float32 and error < 1e-3:
        raise _Failure("float32")
    if not np.any(value) and np.any(expected):
        raise _Failure("zeros")
    if value.ndim == 2 and value.shape[0] == value.shape[1] > 1 and _close(value, expected.T):
        raise _Failure("transposed")
    for name, array in inputs.items():
        if _close(value, np.asarray(array, dtype=np.float64)) and not _close(value, expected, 1e-3):
            raise _Failure("returns_input", name)
    if upstream is not None:
        dy = np.asarray(upstream, dtype=np.float64)
        if dy.shape == value.shape and _close(value * dy, expected) and not _close(dy, np.ones_like(dy)):
            raise _Failure("ignores_upstream")
    _factor(value, expected, counts, inputs)
    if value.size > 1 and np.ptp(value) == 0 and np.ptp(expected) > 0:
        raise _Failure("constant")
    raise _Failure("wrong_value", f"relative error {error:.1e}")


def _factor(value, expected, counts, inputs):
    denominator = float(np.sum(expected * expected))
    if denominator == 0:
        return
    factor = float(np.sum(value * expected)) / denominator
    if abs(factor) < 1e-12 or rel_error(value, factor * expected) > 1e-6:
        return
    sign, size = np.sign(factor), abs(factor)
    if abs(size - 1) < 1e-6:
        raise _Failure("wrong_sign")
    prefix = "and the opposite sign; " if sign < 0 else ""
    named = _named_counts(expected.shape, counts, inputs)
    for ratio, name in (((size, "sum_not_mean"), (1 / size, "mean_not_sum"))):
        for count, what, given in named:
            # a factor 2 is a count only when the test named that count (else: the 2 of a square)
            if count > (1 if given else 2) and abs(ratio - count) < 1e-6 * count:
                raise _Failure(name, f"{prefix}{what}")
    if expected.size == 1 and not any(abs(size - f) < 1e-6 for f in (2, 0.5)):
        return  # two numbers are always a factor apart: only name the usual ones
    shown = (f"×{size:.6g}" if size >= 1 else f"×1/{1 / size:.6g}" if abs(1 / size - round(1 / size)) < 1e-6
             else f"×{size:.6g}")
    raise _Failure("constant_factor", f"{'-' if sign < 0 else ''}{shown}".replace("-×", "×-"))


def _named_counts(shape, counts, inputs):
    """[(count, what)] a sum and a mean could differ by: the given counts, then the sizes of the
    reference's axes (and of the inputs' axes when the reference is a number)."""
    named = [(int(n), f"over the {name} ({int(n)})", True) for name, n in counts.items()]
    shapes = [("", shape)] if len(shape) else [(f" of {name}", np.shape(array)) for name, array in inputs.items()]
    for of, each in shapes:
        if len(each) > 0:
            named.append((int(np.prod(each)), f"over all {int(np.prod(each))} elements{of}", False))
        for axes in _axis_subsets(len(each)):
            if 0 < len(axes) < len(each):
                named.append((int(np.prod([each[i] for i in axes])), f"over axis {_axes_text(axes)}{of}", False))
    return named


def _axis_subsets(ndim):
    return [axes for k in range(1, ndim + 1) for axes in itertools.combinations(range(ndim), k)]


def _axes_text(axes):
    return ", ".join(str(i) for i in axes) if axes else "none"


def _values(got, reference):
    try:
        expected = np.asarray(reference, dtype=np.float64)
        value = np.asarray(_array(got)[0] if not isinstance(got, (int, float, np.number)) else float(got),
                           dtype=np.float64)
    except (_Failure, TypeError, ValueError):
        return ""
    if expected.ndim == 0 and value.ndim == 0:
        error = abs(float(value) - float(expected)) / max(abs(float(expected)), abs(float(value)), 1e-300)
        return (f"\n  expected: {float(expected):.10g}\n  got:      {float(value):.10g}\n"
                f"  relative error {error:.2e}")
    if value.shape != expected.shape:
        return ""
    worst = np.unravel_index(np.argmax(np.abs(value - expected)), expected.shape)
    text = (f"\n  relative error {rel_error(value, expected):.2e}; worst element at index "
            f"{tuple(int(i) for i in worst)}: expected {expected[worst]:.10g}, got {value[worst]:.10g}")
    if expected.size <= 12:
        text += f"\n  expected:\n{_show(expected)}\n  got:\n{_show(value)}"
    return text


def _show(array):
    return textwrap.indent(np.array2string(array, precision=6), "    ")


def cell_failures(notebook):
    """{grade_id: [{"description", "diagnosis", "detail"}]} for the graded cells of an executed
    notebook (a dict as nbformat reads it) whose outputs hold an error. An error that is not a
    failed check (student code raised it, whatever its message says) gives the diagnosis "error"
    (or "not_implemented" for a stub), its description "raised <type>"; a plain `assert` of a
    test gives "unnamed"."""
    failures = {}
    for cell in notebook.get("cells", []):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if not grade_id or not errors:
            continue
        found = []
        for error in errors:
            name = str(error.get("ename", "")) or "Exception"
            if raised_by_student(error):
                found.append({"description": f"raised {name}", "detail": "",
                              "diagnosis": "not_implemented" if name == "NotImplementedError" else "error"})
                continue
            parsed = parse_failures(str(error.get("evalue", ""))) or parse_failures("\n".join(error.get("traceback", [])))
            found += parsed[:1] or [{
                "description": "a plain assert" if name == "AssertionError" else f"raised {name}", "detail": "",
                "diagnosis": {"NotImplementedError": "not_implemented", "AssertionError": "unnamed"}.get(name, "error")}]
        failures[grade_id] = found
    return failures


# --- exercises that must not use autograd -----------------------------------------------------------

# what torch says when a backward pass is attempted where nothing was recorded (inference mode) or
# with respect to tensors that take no part in a graph; together with the refusal below, these are
# the errors that mean "autograd was called", and only these: a RuntimeError of any other kind (say,
# `.numpy()` on a tensor that requires grad, or shapes that do not fit) is the student's own error.
AUTOGRAD_REFUSED = "autograd is switched off in this test"
_AUTOGRAD_ERRORS = (
    AUTOGRAD_REFUSED,
    "does not require grad and does not have a grad_fn",     # backward/grad of an untracked result
    "differentiated Tensors does not require grad",          # grad with respect to frozen parameters
    "differentiated Tensors appears to not have been used",  # grad of a value computed without them
    "cannot be saved for backward",                          # inference tensors in a recorded graph
)


def is_autograd_error(error):
    """True if `error` (an exception) is what calling autograd under `call_without_autograd` raises."""
    return isinstance(error, RuntimeError) and any(text in str(error) for text in _AUTOGRAD_ERRORS)


def call_without_autograd(function, *args, **kwargs):
    """function(*args, **kwargs) with autograd switched off: how tests call an exercise that must
    compute its gradients by hand (`backpropagation` in 04, `three_layer_backward` in 06).

    The call runs inside `torch.inference_mode()`, so nothing it computes is recorded for a backward
    pass, and under `autograd_refused`. A hand-written backward pass, in NumPy or in torch
    arithmetic, notices none of this. If the function fails because it called autograd, the check
    fails with the diagnosis "autograd"; any other exception (a `NotImplementedError` of a stub, the
    student's own RuntimeError) is raised unchanged.
    """
    import torch

    name = getattr(function, "__name__", "the function")
    try:
        with autograd_refused(name), torch.inference_mode():
            return function(*args, **kwargs)
    except RuntimeError as error:
        if isinstance(error, NotImplementedError) or not is_autograd_error(error):
            raise
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        fail(f"{name} runs with autograd switched off", "autograd",
             text=f"The function {name} called autograd (.backward() or torch.autograd), which the tests switch off: "
                  f"{first_line}\nCompute every gradient by hand, from the values the forward pass "
                  "stored and the weights.")


_refused_for = []  # the functions called under autograd_refused, innermost last


@contextlib.contextmanager
def autograd_refused(name: str):
    """While inside, `Tensor.backward`, `torch.autograd.backward`, `torch.autograd.grad` and the engine
    behind them (whatever name code saved them under) raise a RuntimeError naming `name`, in or out
    of inference mode. The grader's student process enters it too, for requests made inside
    (`refusing_autograd`): student code runs there."""
    import torch
    from torch.autograd import variable

    def refuse(*_, **__):
        raise RuntimeError(f"{AUTOGRAD_REFUSED}: {name} must compute its gradients by hand")

    class _RefusingEngine:
        def __getattr__(self, attribute):
            return refuse

    saved = (torch.Tensor.backward, torch.autograd.backward, torch.autograd.grad,
             variable.Variable._execution_engine)
    torch.Tensor.backward = torch.autograd.backward = torch.autograd.grad = refuse
    variable.Variable._execution_engine = _RefusingEngine()
    _refused_for.append(name)
    try:
        yield
    finally:
        _refused_for.pop()
        (torch.Tensor.backward, torch.autograd.backward, torch.autograd.grad,
         variable.Variable._execution_engine) = saved


def refusing_autograd() -> str | None:
    """The name of the function autograd is refused for just now, or None."""
    return _refused_for[-1] if _refused_for else None
