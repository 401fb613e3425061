"""The single-example formulas of the seed (np.outer, db = dy) used for batches too."""
# lose: test_linear_backward_dw test_linear_backward_db test_linear_backward_single_sample test_linear_class_backward
# diagnosis: incomplete_reduction
# %% linear_backward
def linear_backward(dy, x, W, b):
    dx = dy @ W
    dW = np.outer(dy, x)
    db = dy
    return dx, dW, db
