import numpy as np
import pytest
import torch

from backprop_lab.checks import (as_array, as_scalar, assert_close, assert_gradient, assert_unchanged, check,
                                 check_close, parse_failures)


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
    ([[1.0]], "list"), (Cheater(), "an object of a class of its own"), (np.array([object()]), "dtype"),
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
    with pytest.raises(AssertionError) as hidden:
        check_close(wrong, expected, "y")
    assert str(hidden.value).startswith("check failed: y — diagnosis: wrong_value") and "6" not in str(hidden.value)


@pytest.mark.parametrize("factor, diagnosis", [
    (-1, "wrong_sign"), (2, r"constant_factor \(×2\)"), (0.5, r"constant_factor \(×1/2\)"),
    (12, r"sum_not_mean \(over all 12 elements\)"), (1 / 3, r"mean_not_sum \(over axis 0\)"),
    (-4, r"sum_not_mean \(and the opposite sign; over axis 1\)"), (0.7, r"constant_factor \(×0.7\)"),
])
def test_assert_close_recognises_constant_factors(factor, diagnosis):
    expected = np.random.default_rng(0).normal(size=(3, 4))
    with pytest.raises(AssertionError, match="^check failed: dy — diagnosis: " + diagnosis):
        assert_close(factor * expected, expected, "dy")
    if abs(factor) in (1, 2, 0.5):   # two numbers are always a factor apart: only the usual ones are named
        with pytest.raises(AssertionError, match="^check failed: loss — diagnosis: " + diagnosis):
            assert_close(factor * 1.7, 1.7, "loss")


def test_a_number_for_all_elements_is_named_by_the_inputs_shape():
    with pytest.raises(AssertionError, match=r"sum_not_mean \(over all 15 elements of y\)"):
        check_close(15 * 0.3, 0.3, "loss", inputs={"y": np.zeros((5, 3))})
    with pytest.raises(AssertionError, match=r"incomplete_reduction \(shape \(3,\); its mean over axis 0 is right"):
        check_close(np.array([0.1, 0.2, 0.6]), 0.3, "loss")


@pytest.mark.parametrize("got, diagnosis", [
    (lambda e, dy: e.T, "transposed"), (lambda e, dy: e.ravel(), "flattened"),
    (lambda e, dy: e[:, :, None] - e[:, None, :], "broadcast"), (lambda e, dy: np.zeros_like(e), "zeros"),
    (lambda e, dy: np.full_like(e, 0.3), "constant"), (lambda e, dy: e / dy, "ignores_upstream"),
    (lambda e, dy: dy.copy(), "returns_input"), (lambda e, dy: e.astype(np.float32) + 1e-4, "float32"),
    (lambda e, dy: e + np.where(e > 0, np.nan, 0), "not_finite"), (lambda e, dy: [list(r) for r in e], "wrong_type"),
    (lambda e, dy: e + 1, "wrong_value"), (lambda e, dy: e[:, :2], "wrong_shape"),
    (lambda e, dy: 3 * e + 1, "stale_cache"),
])
def test_check_close_names_the_mistake_without_the_expected_numbers(got, diagnosis):
    rng = np.random.default_rng(1)
    expected, dy = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    with pytest.raises(AssertionError) as failure:
        check_close(got(expected, dy), expected, "Tanh.backward(dy)", inputs={"dy": dy}, upstream=dy,
                    alternatives={"stale_cache": 3 * expected + 1})
    message = str(failure.value)
    [parsed] = parse_failures(message)
    assert parsed["description"] == "Tanh.backward(dy)" and parsed["diagnosis"] == diagnosis, message
    assert len(message.splitlines()) >= 2
    assert not any(f"{v:.4g}"[:5] in message for v in expected.ravel()[:4] if abs(v) > 0.1), message


def test_a_column_minus_a_vector_is_a_broadcast_and_a_scalar_factor_must_be_a_usual_one():
    column = np.random.default_rng(3).normal(size=(5, 1))
    with pytest.raises(AssertionError, match=r"diagnosis: broadcast \(shape \(5, 5\)\)"):
        check_close(column - column[:, 0], column, "MSELoss.backward()")
    with pytest.raises(AssertionError, match=r"diagnosis: wrong_value"):
        check_close(0.7 * 1.7, 1.7, "loss")


def test_a_sum_over_the_wrong_axis_is_named():
    dy = np.random.default_rng(2).normal(size=(5, 3))
    with pytest.raises(AssertionError, match=r"diagnosis: wrong_axis \(shape \(5,\): dy reduced over axis 1\)"):
        check_close(dy.sum(axis=1), dy.sum(axis=0), "db", inputs={"dy": dy})
    with pytest.raises(AssertionError, match=r"diagnosis: mean_not_sum \(over the batch \(5\)\)"):
        check_close(dy.mean(axis=0), dy.sum(axis=0), "db", counts={"batch": 5})


def test_failure_lines_parse_from_a_traceback():
    try:
        check(False, "backward leaves model.fc1.weight.grad as None", "autograd")
    except AssertionError as problem:
        text = "Traceback ...\nAssertionError: " + str(problem) + "\n"
    assert parse_failures(text) == [{"description": "backward leaves model.fc1.weight.grad as None",
                                     "diagnosis": "autograd", "detail": ""}]
    assert parse_failures("ValueError: shapes (3,) and (4,) not aligned") == []


def test_assert_close_recognises_a_transposed_square_answer():
    expected = np.random.default_rng(0).normal(size=(3, 3))
    with pytest.raises(AssertionError, match="diagnosis: transposed"):
        assert_close(expected.T, expected, "dW")


def test_assert_close_cannot_be_fooled_by_always_equal_objects():
    with pytest.raises(AssertionError):
        assert_close(Cheater(), np.ones((2, 3)), "y")
    with pytest.raises(AssertionError):
        assert_close(np.zeros((2, 3)).view(AlwaysEqual), np.ones((2, 3)), "y")


def test_assert_gradient_and_assert_unchanged():
    x = np.array([1.0, -2.0, 3.0])
    assert_gradient(lambda v: np.sum(v**2), x, 2 * x, "grad")
    with pytest.raises(AssertionError, match="diagnosis: wrong_sign"):
        assert_gradient(lambda v: np.sum(v**2), x, -2 * x, "grad")
    assert_unchanged(x.copy(), x, "x")
    with pytest.raises(AssertionError, match="modified its input y in place"):
        assert_unchanged(x.copy(), x * 0, "y")
