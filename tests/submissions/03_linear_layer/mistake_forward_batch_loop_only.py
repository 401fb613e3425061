"""Loops over the rows of x, so a single example (in,) is taken for in examples and crashes."""
# lose: test_linear_forward_single test_linear_class_forward test_linear_class_backward
# diagnosis: error
# %% linear_forward
def linear_forward(x, W, b):
    y = np.zeros((x.shape[0], W.shape[0]))
    for k in range(x.shape[0]):
        y[k] = W @ x[k] + b
    return y
