"""dx = dy @ W.T: only runs for a square layer, so linear_backward crashes on every test."""
# lose: test_linear_backward_dx test_linear_backward_dw test_linear_backward_db test_linear_backward_single_sample test_linear_class_backward test_linear_class_second_backward
# diagnosis: error
# %% linear_backward
def linear_backward(dy, x, W, b):
    dy2, x2 = np.atleast_2d(dy), np.atleast_2d(x)
    dx = (dy2 @ W.T).reshape(x.shape)
    dW = dy2.T @ x2
    db = dy2.sum(axis=0)
    return dx, dW, db
