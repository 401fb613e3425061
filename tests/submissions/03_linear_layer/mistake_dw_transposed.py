"""dW = x.T @ dy: the transpose of the right answer, shape (in, out) instead of (out, in)."""
# lose: test_linear_backward_dw test_linear_backward_single_sample test_linear_class_backward
# diagnosis: transposed
# %% linear_backward
def linear_backward(dy, x, W, b):
    dy2, x2 = np.atleast_2d(dy), np.atleast_2d(x)
    dx = (dy2 @ W).reshape(x.shape)
    dW = x2.T @ dy2
    db = dy2.sum(axis=0)
    return dx, dW, db
