"""db = dy.sum(axis=1): sums over the outputs instead of over the examples, shape (n,)."""
# lose: test_linear_backward_db test_linear_backward_single_sample test_linear_class_backward
# diagnosis: wrong_axis
# %% linear_backward
def linear_backward(dy, x, W, b):
    dy2, x2 = np.atleast_2d(dy), np.atleast_2d(x)
    dx = (dy2 @ W).reshape(x.shape)
    dW = dy2.T @ x2
    db = dy2.sum(axis=1)
    return dx, dW, db
