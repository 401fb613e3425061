"""Numerical gradients by centered differences, for checking hand-written backward passes.

Every function works on arrays of any shape: internally the array is viewed as one flat vector
(the "reshaping trick"), each element is nudged in turn, and the result is reshaped back.
"""
import numpy as np

DEFAULT_EPS = 1e-5


def numerical_gradient(f, x, eps=DEFAULT_EPS):
    """Gradient of a scalar function by centered differences.

    f:   callable taking an array shaped like x and returning a scalar.
    x:   array of any shape; it is never modified (f always receives a fresh float64 copy).
    eps: the step h in (f(x + h) - f(x - h)) / 2h.
    Returns a float64 array shaped like x: element i is the partial derivative df/dx_i.
    """
    x = np.array(x, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError("numerical_gradient: x contains NaN or inf")
    if not eps > 0:
        raise ValueError(f"numerical_gradient: eps must be positive, got {eps!r}")
    grad = np.empty(x.size)
    flat = x.reshape(-1)
    for i in range(flat.size):
        grad[i] = (_at_nudged(f, flat, i, eps, x.shape) - _at_nudged(f, flat, i, -eps, x.shape)) / (2 * eps)
    return grad.reshape(x.shape)


def _at_nudged(f, flat, i, step, shape):
    """f at a fresh copy of x with element i moved by `step` (a copy, in case f modifies its input)."""
    nudged = flat.copy()
    nudged[i] += step
    return _scalar(f(nudged.reshape(shape)))


def numerical_vjp(f, x, dy, eps=DEFAULT_EPS):
    """Vector-Jacobian product of an array-valued function, by centered differences.

    f:  callable taking an array shaped like x and returning an array y.
    x:  array of any shape (never modified).
    dy: upstream gradient dL/dy, shaped like f(x).
    Returns dL/dx = gradient of sum(f(x) * dy) with respect to x, a float64 array shaped like x.
    This is exactly what a layer's backward(dy) must return.
    """
    dy = np.array(dy, dtype=np.float64)

    def weighted_sum(x_):
        y = np.asarray(f(x_), dtype=np.float64)
        if y.shape != dy.shape:
            raise ValueError(f"numerical_vjp: f(x) has shape {y.shape} but dy has shape {dy.shape}")
        return np.sum(y * dy)

    return numerical_gradient(weighted_sum, x, eps)


def rel_error(a, b):
    """Relative error between two arrays of the same shape, as one number.

    The largest element-wise difference divided by the largest magnitude in either array, so
    that elements which happen to be near zero do not inflate it. 0 when both are all zeros.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ, {a.shape} vs {b.shape}")
    if a.size == 0:
        return 0.0
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)))
    if scale == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / scale)


def _scalar(value):
    value = np.asarray(value, dtype=np.float64)
    if value.size != 1:
        raise ValueError(f"numerical_gradient: f must return a scalar, got shape {value.shape}")
    return float(value.reshape(()))


def autograd_gradients(f, *arrays, dy=None):
    """Gradients from torch.autograd: the course's ground truth for hand-written backward passes.

    f:      callable taking one float64 tensor per array and returning a tensor y.
    arrays: the inputs, as NumPy arrays (or anything np.asarray accepts).
    dy:     upstream gradient shaped like y; leave it None when y is a scalar (a loss).
    Returns a list with one float64 NumPy array per input: d sum(y * dy) / d input.
    """
    import torch  # imported here so that the rest of the package stays light

    tensors = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    y = f(*tensors)
    y.backward(None if dy is None else torch.as_tensor(np.asarray(dy, dtype=np.float64)))
    return [t.grad.numpy().copy() if t.grad is not None else np.zeros(t.shape) for t in tensors]
