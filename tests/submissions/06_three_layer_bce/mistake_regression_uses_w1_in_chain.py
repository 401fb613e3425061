"""Multiplies by the hidden weight w1 instead of the output weight w2 on the way from y_hat back
to z1 (dy_hat/dz1 = w2); invisible when w1 == w2."""
# lose: test_regression_hidden_layer test_regression_sizes test_regression_types
# diagnosis: wrong_value
# %% regression_gradients
def regression_gradients(w1, b1, w2, b2, x, t):
    z1 = 1 / (1 + np.exp(-(w1 * x + b1)))
    delta = 2 * (w2 * z1 + b2 - t) / len(x)
    delta_a1 = delta * w1 * z1 * (1 - z1)
    return {"w1": np.sum(delta_a1 * x), "b1": np.sum(delta_a1), "w2": np.sum(delta * z1), "b2": np.sum(delta)}
