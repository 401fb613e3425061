"""Evaluates sigma' at the hidden output z1 instead of the pre-activation a1:
sigmoid(z1) * (1 - sigmoid(z1)) where z1 * (1 - z1) was meant."""
# lose: test_regression_hidden_layer test_regression_sizes test_regression_types
# diagnosis: derivative_at_wrong_point
# %% regression_gradients
def regression_gradients(w1, b1, w2, b2, x, t):
    sigmoid = lambda v: 1 / (1 + np.exp(-v))
    a1 = w1 * x + b1
    z1 = sigmoid(a1)
    delta = 2 * (w2 * z1 + b2 - t) / len(x)
    delta_a1 = delta * w2 * sigmoid(z1) * (1 - sigmoid(z1))
    return {"w1": np.sum(delta_a1 * x), "b1": np.sum(delta_a1), "w2": np.sum(delta * z1), "b2": np.sum(delta)}
