"""Numerical gradients by centered differences, for checking hand-written backward passes.

Every function works on arrays of any shape: internally the array is viewed as one flat vector
(the "reshaping trick"), each element is nudged in turn, and the result is reshaped back.
"""
import numpy as np

DEFAULT_EPS = 1e-5


def numerical_gradient(f, x, eps=DEFAULT_EPS, *, args=(), in_place=False):
    """Gradient of a scalar function by centered differences.

    f:        callable f(x_, *args) taking an array shaped like x and returning a scalar.
    x:        array of any shape; it ends as it was (f receives fresh float64 copies of it).
    eps:      the step h in (f(x + h) - f(x - h)) / 2h.
    args:     further arguments of f, the same at every point (the target of a loss, say).
    in_place: x is a float NumPy array that f reads (a layer's weights) rather than its argument:
              x itself holds each point in turn while f(*args) runs, then its own values again.
    Returns a float64 array shaped like x: element i is the partial derivative df/dx_i.
    """
    return _centered_differences(f, x, eps, args, in_place, _scalar, "numerical_gradient")


def numerical_vjp(f, x, dy, eps=DEFAULT_EPS, *, args=(), in_place=False):
    """Vector-Jacobian product of an array-valued function, by centered differences.

    f:        callable f(x_, *args) taking an array shaped like x and returning an array y.
    x:        array of any shape; it ends as it was.
    dy:       upstream gradient dL/dy, shaped like f(x).
    args:     further arguments of f, the same at every point.
    in_place: x is a float NumPy array that f reads rather than its argument (numerical_gradient).
    Returns dL/dx = gradient of sum(f(x) * dy) with respect to x, a float64 array shaped like x.
    This is exactly what a layer's backward(dy) must return.
    """
    dy = np.array(dy, dtype=np.float64)
    return _centered_differences(f, x, eps, args, in_place, lambda y: _weighted_sum(y, dy), "numerical_vjp")


def evaluate_here(f, points: list, args: tuple = (), into=None) -> list:
    """f at each point in turn, in this process: f(point, *args); or, given `into` (an array f
    reads), f(*args) with `into` holding the point, and `into` as it was after the last. Each
    result is kept as it was when f returned it (f may hand back the same buffer every time)."""
    if into is None:
        return [_kept(f(point, *args)) for point in points]
    saved, values = into.copy(), []
    try:
        for point in points:
            into[...] = point
            values.append(_kept(f(*args)))
    finally:
        into[...] = saved
    return values


# How every helper here calls f. The grader's test process puts its own in its place
# (grading/remote.py): a student function at all the points in one request to the student process.
evaluate_each = evaluate_here

POINTS_BYTES = 4 << 20   # of points and their results handed to evaluate_each at a time


def _centered_differences(f, x, eps, args, in_place, reduce, caller):
    """(reduce(f(x + eps e_i)) - reduce(f(x - eps e_i))) / 2 eps for each element i of x (the
    "reshaping trick": x seen as one flat vector), shaped like x. The first element's two points
    go alone: what f returns there sizes the batches of the others."""
    if in_place and not (isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating) and x.flags.writeable):
        raise ValueError(f"{caller}: in_place needs a writeable float NumPy array, got {type(x).__name__}")
    into = x if in_place else None
    x = np.array(x, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{caller}: x contains NaN or inf")
    if not eps > 0:
        raise ValueError(f"{caller}: eps must be positive, got {eps!r}")
    flat, values, start, per_call = x.reshape(-1), [], 0, 1
    while start < flat.size:
        stop = min(start + per_call, flat.size)
        points = [_nudged(flat, i, step).reshape(x.shape) for i in range(start, stop) for step in (eps, -eps)]
        outputs = evaluate_each(f, points, args, into)
        values += [reduce(y) for y in outputs]
        if start == 0:
            per_call = max(1, POINTS_BYTES // (2 * (x.nbytes + _nbytes(outputs[0]))))
        start = stop
    values = np.array(values, dtype=np.float64)
    return ((values[0::2] - values[1::2]) / (2 * eps)).reshape(x.shape)


def _nudged(flat, i, step):
    nudged = flat.copy()
    nudged[i] += step
    return nudged


def _kept(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    return value.clone() if _is_tensor(value) else value


def _nbytes(value):
    sized = isinstance(value, np.ndarray) or _is_tensor(value)
    return value.nbytes if sized else 8  # (asked of anything else, a proxy would ask the student)


def _is_tensor(value):
    """A torch tensor (torch is not imported here: the package stays light)."""
    return type(value).__module__.startswith("torch") and hasattr(value, "clone") and hasattr(value, "nbytes")


def _weighted_sum(y, dy):
    y = np.asarray(y, dtype=np.float64)
    if y.shape != dy.shape:
        raise ValueError(f"numerical_vjp: f(x) has shape {y.shape} but dy has shape {dy.shape}")
    return np.sum(y * dy)


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
    if dy is not None:
        dy = torch.as_tensor(np.asarray(dy, dtype=np.float64))
        if dy.shape != y.shape:
            raise ValueError(f"autograd_gradients: dy has shape {tuple(dy.shape)}, f's output {tuple(y.shape)}")
        # The same gradients as y.backward(dy), to the bit: sum's backward hands mul's backward
        # ones, and 1.0 * dy is dy. y.backward(dy) would import torch's symbolic shapes and sympy.
        y = (y * dy).sum()
    y.backward()
    return [t.grad.numpy().copy() if t.grad is not None else np.zeros(t.shape) for t in tensors]
