"""dW divided by the batch size, as if the layer had to average."""
# lose: test_linear_backward_dw test_linear_class_backward
# diagnosis: mean_not_sum
# %% linear_backward
def linear_backward(dy, x, W, b):
    dy2, x2 = np.atleast_2d(dy), np.atleast_2d(x)
    dx = (dy2 @ W).reshape(x.shape)
    dW = dy2.T @ x2 / x2.shape[0]
    db = dy2.sum(axis=0)
    return dx, dW, db
