"""dx = W.T @ dy.T, the column-vector formula of a textbook: right numbers, shape (in, n)."""
# lose: test_linear_backward_dx test_linear_backward_single_sample test_linear_class_backward
# diagnosis: transposed
# %% linear_backward
def linear_backward(dy, x, W, b):
    dy2, x2 = np.atleast_2d(dy), np.atleast_2d(x)
    dx = W.T @ dy2.T
    if x.ndim == 1:
        dx = dx[:, 0]
    dW = dy2.T @ x2
    db = dy2.sum(axis=0)
    return dx, dW, db
