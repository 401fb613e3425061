import numpy as np
import pytest
import torch

from backprop_lab.checks import as_array, as_scalar, assert_close, assert_gradient, assert_unchanged


class AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return True


class Cheater:
    """An object that claims to be equal to everything and close to anything."""
    shape = (2, 3)

    def __eq__(self, other):
        return True

    def __sub__(self, other):
        return np.zeros((2, 3))

    __rsub__ = __sub__


@pytest.mark.parametrize("value", [1.5, 2, np.float64(1.5), np.float32(1.5), np.array(1.5), torch.tensor(1.5)])
def test_as_scalar_accepts_real_numbers(value):
    assert as_scalar(value, "x") == pytest.approx(float(value))
    assert type(as_scalar(value, "x")) is float


@pytest.mark.parametrize("value, message", [
    (True, "bool"), (np.array([1.5]), r"shape \(1,\)"), ([1.5], "list"), (None, "NoneType"),
    (float("nan"), "not finite"), (np.array(np.inf), "not finite"), (np.array("1.5"), "dtype"),
])
def test_as_scalar_rejects_everything_else(value, message):
    with pytest.raises(AssertionError, match=message):
        as_scalar(value, "x")


def test_as_array_returns_a_plain_float64_copy():
    original = np.arange(6, dtype=np.int32).reshape(2, 3)
    array = as_array(original, "x", shape=(2, 3))
    assert type(array) is np.ndarray and array.dtype == np.float64 and array is not original
    tensor = torch.ones(2, 3, requires_grad=True) * 2
    assert as_array(tensor, "t").tolist() == [[2.0] * 3] * 2
    assert type(as_array(np.zeros((2, 3)).view(AlwaysEqual), "x")) is np.ndarray


@pytest.mark.parametrize("value, message", [
    ([[1.0]], "list"), (Cheater(), "Cheater"), (np.array([object()]), "dtype"),
    (np.array([1 + 2j]), "dtype"), (np.array([True]), "dtype"),
    (np.ones((3, 2)), "transpose of the expected shape"), (np.ones(3), "batch axis"),
    (np.ones((1, 2, 3)), "extra"), (np.ones(6), "number of elements is right"),
    (np.array([[1.0, np.nan, 0], [0, 0, 0]]), r"NaN or inf \(first at index \(0, 1\)\)"),
])
def test_as_array_rejects_wrong_kinds_with_a_hint(value, message):
    with pytest.raises(AssertionError, match=message):
        as_array(value, "dW", shape=(2, 3))


def test_assert_close_passes_within_tolerance_and_reports_the_worst_element():
    expected = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert_close(expected * (1 + 1e-9), expected, "y")
    wrong = expected.copy()
    wrong[1, 2] = 7.0
    with pytest.raises(AssertionError, match=r"(?s)index \(1, 2\): expected 6, got 7"):
        assert_close(wrong, expected, "y")


@pytest.mark.parametrize("factor, hint", [(-1, "opposite sign"), (2, "2 times"), (0.25, "0.25 times")])
def test_assert_close_recognises_constant_factors(factor, hint):
    expected = np.random.default_rng(0).normal(size=(3, 4))
    with pytest.raises(AssertionError, match=hint):
        assert_close(factor * expected, expected, "dy")
    with pytest.raises(AssertionError, match=hint):
        assert_close(factor * 1.7, 1.7, "loss")


def test_assert_close_recognises_a_transposed_square_answer():
    expected = np.random.default_rng(0).normal(size=(3, 3))
    with pytest.raises(AssertionError, match="transpose of the expected one"):
        assert_close(expected.T, expected, "dW")


def test_assert_close_cannot_be_fooled_by_always_equal_objects():
    with pytest.raises(AssertionError):
        assert_close(Cheater(), np.ones((2, 3)), "y")
    with pytest.raises(AssertionError):
        assert_close(np.zeros((2, 3)).view(AlwaysEqual), np.ones((2, 3)), "y")


def test_assert_gradient_and_assert_unchanged():
    x = np.array([1.0, -2.0, 3.0])
    assert_gradient(lambda v: np.sum(v**2), x, 2 * x, "grad")
    with pytest.raises(AssertionError, match="opposite sign"):
        assert_gradient(lambda v: np.sum(v**2), x, -2 * x, "grad")
    assert_unchanged(x.copy(), x, "x")
    with pytest.raises(AssertionError, match="modified its input y in place"):
        assert_unchanged(x.copy(), x * 0, "y")
