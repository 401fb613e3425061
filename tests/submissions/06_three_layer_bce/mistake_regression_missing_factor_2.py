"""Differentiates (y_hat - t)**2 as (y_hat - t): the factor 2 of the power rule is missing."""
# lose: test_regression_output_layer test_regression_hidden_layer test_regression_sizes test_regression_types
# diagnosis: constant_factor
# %% regression_gradients
def regression_gradients(w1, b1, w2, b2, x, t):
    z1 = 1 / (1 + np.exp(-(w1 * x + b1)))
    delta = (w2 * z1 + b2 - t) / len(x)
    delta_a1 = delta * w2 * z1 * (1 - z1)
    return {"w1": np.sum(delta_a1 * x), "b1": np.sum(delta_a1), "w2": np.sum(delta * z1), "b2": np.sum(delta)}
