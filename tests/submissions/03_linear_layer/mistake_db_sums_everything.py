"""db = dy.sum(): one number, summed over the outputs as well as the examples."""
# lose: test_linear_backward_db test_linear_backward_single_sample test_linear_class_backward
# diagnosis: wrong_axis
# %% linear_backward
def linear_backward(dy, x, W, b):
    dy2, x2 = np.atleast_2d(dy), np.atleast_2d(x)
    dx = (dy2 @ W).reshape(x.shape)
    dW = dy2.T @ x2
    db = np.sum(dy)
    return dx, dW, db
