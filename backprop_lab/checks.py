"""Assertions for visible and hidden tests, with failure messages that teach.

Every check first makes sure the student returned the right *kind* of thing (a number, an
array of the right shape, finite values) and converts it to a plain float64 NumPy value, so
objects that pretend to be equal to everything cannot pass. Value comparisons then report the
worst element, the relative error and, where the mistake is recognisable, a hint.
"""
import textwrap

import numpy as np

from .gradcheck import numerical_gradient, rel_error

DEFAULT_RTOL = 1e-5


def as_scalar(value, name):
    """`value` as a Python float; fails unless it is one finite real number.

    Accepts Python/NumPy real numbers and 0-d arrays or tensors (not bool, not shape (1,)).
    """
    if isinstance(value, (bool, np.bool_)):
        _fail(f"{name} should be a number, but it returned a bool ({value!r}).")
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
    else:
        array = _to_numpy(value, name, expected="a single number (a float)")
        if array.shape != ():
            _fail(f"{name} should be a single number (a float), but it returned an array of "
                  f"shape {array.shape}.\nHint: a mean or sum over all elements gives a scalar; "
                  "use float(...) to turn a one-element result into a number.")
        number = float(array)
    if not np.isfinite(number):
        _fail(f"{name} returned {number}, which is not finite.")
    return number


def as_array(value, name, shape=None):
    """`value` as a float64 NumPy copy; fails unless it is a finite real array of `shape`."""
    array = _to_numpy(value, name, expected="a NumPy array")
    if shape is not None and array.shape != tuple(shape):
        _fail(f"{name} has shape {array.shape}, expected {tuple(shape)}.{_shape_hint(array.shape, tuple(shape))}")
    if not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0]
        _fail(f"{name} contains NaN or inf (first at index {tuple(int(i) for i in bad)}).")
    return array


def assert_close(got, expected, name, rtol=DEFAULT_RTOL):
    """Fail unless `got` matches `expected` (a number or an array) to relative error `rtol`."""
    if np.ndim(expected) == 0 and not isinstance(expected, np.ndarray):
        got_value, expected_value = as_scalar(got, name), float(expected)
        error = abs(got_value - expected_value) / max(abs(expected_value), abs(got_value), 1e-300)
        if not error <= rtol:
            _fail(f"{name} is wrong.\n  expected: {expected_value:.10g}\n  got:      {got_value:.10g}\n"
                  f"  relative error {error:.2e} (allowed {rtol:.0e}){_factor_hint(np.array(got_value), np.array(expected_value))}")
        return
    expected = np.asarray(expected, dtype=np.float64)
    got = as_array(got, name, shape=expected.shape)
    error = rel_error(got, expected)
    if error <= rtol:
        return
    worst = np.unravel_index(np.argmax(np.abs(got - expected)), expected.shape)
    message = (f"{name} is wrong: relative error {error:.2e} (allowed {rtol:.0e}).\n"
               f"  worst element at index {tuple(int(i) for i in worst)}: "
               f"expected {expected[worst]:.10g}, got {got[worst]:.10g}")
    if expected.size <= 12:
        message += f"\n  expected:\n{_show(expected)}\n  got:\n{_show(got)}"
    _fail(message + _factor_hint(got, expected) + _transpose_hint(got, expected))


def assert_gradient(f, x, got, name, rtol=DEFAULT_RTOL):
    """Fail unless `got` matches the numerical gradient of the scalar function f at x."""
    assert_close(got, numerical_gradient(f, x), name, rtol=rtol)


def assert_unchanged(before, after, name):
    """Fail if an input array was modified in place (`before` is a copy taken beforehand)."""
    if not np.array_equal(np.asarray(before), np.asarray(after)):
        _fail(f"Your code modified its input {name} in place. Inputs belong to the caller: "
              "compute new arrays (for example `a = a - b` instead of `a -= b`) or work on a copy.")


def _to_numpy(value, name, expected):
    if type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if not isinstance(value, np.ndarray):
        _fail(f"{name} should be {expected}, but it returned {type(value).__name__}.")
    if value.dtype.kind not in "iuf":
        _fail(f"{name} should hold real numbers, but its dtype is {value.dtype}.")
    return np.array(value, dtype=np.float64)  # a plain ndarray copy, never a subclass


def _shape_hint(got, expected):
    if len(got) == len(expected) == 2 and got == expected[::-1]:
        return "\nHint: that is the transpose of the expected shape."
    if got == expected[1:]:
        return "\nHint: the batch axis (the first one) is missing."
    if got == (1,) + expected or got + (1,) == expected:
        return "\nHint: there is an extra (or missing) axis of length 1."
    if int(np.prod(got)) == int(np.prod(expected)):
        return "\nHint: the number of elements is right; the result should keep the input's shape."
    return ""


def _factor_hint(got, expected):
    """Recognise answers that are the expected one times a constant (sign, 2, 1/n, ...)."""
    denominator = float(np.sum(expected * expected))
    if denominator == 0:
        return ""
    factor = float(np.sum(got * expected)) / denominator
    if rel_error(got, factor * expected) > 1e-6 or abs(factor - 1) < 1e-6:
        return ""
    if abs(factor + 1) < 1e-6:
        return "\nHint: your answer has the opposite sign of the expected one."
    return (f"\nHint: your answer is {factor:.6g} times the expected one. Check constant factors "
            "and what you divide by (a mean over all elements divides by the total element count).")


def _transpose_hint(got, expected):
    if got.ndim == 2 and got.shape[0] == got.shape[1] and rel_error(got, expected.T) < 1e-6:
        return "\nHint: your answer is the transpose of the expected one."
    return ""


def _show(array):
    return textwrap.indent(np.array2string(array, precision=6), "    ")


def _fail(message):
    raise AssertionError(message)
