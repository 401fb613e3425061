"""Uses np.atleast_2d but forgets to reshape dx back: one example (in,) gets dx of shape (1, in)."""
# lose: test_linear_backward_single_sample test_linear_class_backward
# diagnosis: flattened
# %% linear_backward
def linear_backward(dy, x, W, b):
    dy2, x2 = np.atleast_2d(dy), np.atleast_2d(x)
    dx = dy2 @ W
    dW = dy2.T @ x2
    db = dy2.sum(axis=0)
    return dx, dW, db
