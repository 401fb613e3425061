"""Batch formulas without handling one example: dy.T @ x of two 1-D arrays fails for (in,)."""
# lose: test_linear_backward_single_sample test_linear_class_backward
# diagnosis: error
# %% linear_backward
def linear_backward(dy, x, W, b):
    dx = dy @ W
    dW = dy.T @ x
    db = dy.sum(axis=0)
    return dx, dW, db
