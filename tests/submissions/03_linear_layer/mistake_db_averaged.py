"""db = mean of dy over the batch instead of the sum (the 1/n belongs to the loss, not the layer)."""
# lose: test_linear_backward_db test_linear_class_backward
# diagnosis: mean_not_sum
# %% linear_backward
def linear_backward(dy, x, W, b):
    dy2, x2 = np.atleast_2d(dy), np.atleast_2d(x)
    dx = (dy2 @ W).reshape(x.shape)
    dW = dy2.T @ x2
    db = dy2.mean(axis=0)
    return dx, dW, db
