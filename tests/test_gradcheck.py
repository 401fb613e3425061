import numpy as np
import pytest
import torch

from backprop_lab import autograd_gradients, numerical_gradient, numerical_vjp, rel_error

SHAPES = [(7,), (3, 4), (2, 3, 4)]


def smooth(x):
    return np.sum(np.sin(x) * x**2) + np.sum(np.tanh(x)) ** 2


def smooth_gradient(x):
    return np.cos(x) * x**2 + 2 * x * np.sin(x) + 2 * np.sum(np.tanh(x)) * (1 - np.tanh(x) ** 2)


@pytest.mark.parametrize("shape", SHAPES)
def test_numerical_gradient_matches_analytic_gradient(shape):
    x = np.random.default_rng(1).normal(size=shape)
    assert rel_error(numerical_gradient(smooth, x), smooth_gradient(x)) < 1e-8


@pytest.mark.parametrize("shape", SHAPES)
def test_numerical_vjp_matches_analytic_vjp(shape):
    rng = np.random.default_rng(2)
    x, A = rng.normal(size=shape), rng.normal(size=(shape[-1], 5))
    dy = rng.normal(size=shape[:-1] + (5,))
    expected = ((1 - np.tanh(x @ A) ** 2) * dy) @ A.T
    assert rel_error(numerical_vjp(lambda x_: np.tanh(x_ @ A), x, dy), expected) < 1e-8


def test_numerical_gradient_leaves_x_alone_and_hands_f_copies():
    x = np.arange(6.0).reshape(2, 3)
    before = x.copy()
    seen = []

    def vandal(x_):
        seen.append(x_)
        total = np.sum(x_**2)
        x_[:] = 0  # a function that scribbles on its input must not corrupt later evaluations
        return total

    assert rel_error(numerical_gradient(vandal, x), 2 * before) < 1e-8
    np.testing.assert_array_equal(x, before)
    assert all(a is not x for a in seen)


def test_numerical_gradient_accepts_integer_input_and_returns_float64():
    grad = numerical_gradient(lambda x: np.sum(x**3), np.array([1, 2]))
    assert grad.dtype == np.float64
    assert rel_error(grad, np.array([3.0, 12.0])) < 1e-8


@pytest.mark.parametrize("bad_call, message", [
    (lambda: numerical_gradient(lambda x: x, np.ones(3)), "scalar"),
    (lambda: numerical_gradient(np.sum, np.array([1.0, np.nan])), "NaN"),
    (lambda: numerical_gradient(np.sum, np.ones(3), eps=0), "positive"),
    (lambda: numerical_vjp(lambda x: x, np.ones(3), np.ones(4)), "shape"),
])
def test_bad_input_gets_a_clear_error(bad_call, message):
    with pytest.raises(ValueError, match=message):
        bad_call()


def test_rel_error():
    assert rel_error(np.zeros(3), np.zeros(3)) == 0
    assert rel_error([1.0, 2.0], [1.0, 2.0]) == 0
    assert rel_error([1.0, 0.0], [1.0, 1e-12]) == pytest.approx(1e-12)  # near-zero elements do not blow up
    assert rel_error([2.0, 4.0], [1.0, 2.0]) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="shapes"):
        rel_error(np.ones(2), np.ones(3))


def test_autograd_gradients_for_a_loss_and_for_a_vjp():
    rng = np.random.default_rng(3)
    x, W, dy = rng.normal(size=(4, 3)), rng.normal(size=(2, 3)), rng.normal(size=(4, 2))
    [grad] = autograd_gradients(lambda t: torch.sum(t**3), x)
    assert rel_error(grad, 3 * x**2) < 1e-12
    dx, dW = autograd_gradients(lambda a, b: a @ b.T, x, W, dy=dy)
    assert rel_error(dx, dy @ W) < 1e-12 and rel_error(dW, dy.T @ x) < 1e-12
    assert dx.dtype == np.float64


def test_autograd_gradients_with_dy_are_torchs_vjp_to_the_bit():
    rng = np.random.default_rng(5)
    x, W, b, dy = rng.normal(size=(5, 3)), rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=(5, 4))
    network = lambda x_, W_, b_: torch.tanh(torch.nn.functional.linear(x_, W_, b_)) ** 3  # noqa: E731
    tensors = [torch.tensor(a, requires_grad=True) for a in (x, W, b)]
    network(*tensors).backward(torch.tensor(dy))
    ours = autograd_gradients(network, x, W, b, dy=dy)
    assert all(np.array_equal(mine, t.grad.numpy()) for mine, t in zip(ours, tensors))
    with pytest.raises(ValueError, match="dy has shape"):
        autograd_gradients(network, x, W, b, dy=dy[:, :1])  # would broadcast silently


def test_args_are_passed_after_the_point_and_points_come_in_batches(monkeypatch):
    from backprop_lab import gradcheck

    x, target = np.random.default_rng(3).normal(size=(4, 5)), np.random.default_rng(4).normal(size=(4, 5))
    loss = lambda y, t: np.mean((y - t) ** 2)  # noqa: E731
    whole = numerical_gradient(loss, x, args=(target,))
    assert rel_error(whole, 2 * (x - target) / x.size) < 1e-8
    batches, evaluate = [], gradcheck.evaluate_each

    def counted(f, points, args=(), into=None):
        batches.append(len(points))
        return evaluate(f, points, args, into)

    monkeypatch.setattr(gradcheck, "evaluate_each", counted)
    monkeypatch.setattr(gradcheck, "POINTS_BYTES", 3 * 2 * (x.nbytes + 8))  # three elements' points and values
    assert np.array_equal(numerical_gradient(loss, x, args=(target,)), whole)  # the same numbers, bit for bit
    assert batches == [2] + [6] * 6 + [2]  # the first element alone: its values size the batches
    dy = np.ones((4, 5))
    assert np.array_equal(numerical_vjp(lambda y, t: (y - t) ** 2, x, dy, args=(target,)),
                          numerical_gradient(lambda y: np.sum((y - target) ** 2), x))


def test_in_place_nudges_the_array_f_reads_and_puts_it_back():
    W, x, dy = np.random.default_rng(5).normal(size=(3, 4)), np.random.default_rng(6).normal(size=(5, 4)), np.ones((5, 3))
    layer = {"W": W}
    original = W.copy()
    forward = lambda x_: x_ @ layer["W"].T  # noqa: E731 - reads the very array it holds
    got = numerical_vjp(forward, W, dy, args=(x,), in_place=True)
    assert np.array_equal(got, numerical_vjp(lambda W_: x @ W_.T, W, dy))  # the same numbers, bit for bit
    assert np.array_equal(W, original) and layer["W"] is W
    with pytest.raises(ValueError, match="in_place needs a writeable float NumPy array"):
        numerical_gradient(lambda: 0.0, [1.0, 2.0], in_place=True)
