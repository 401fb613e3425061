"""Returns the per-point terms (arrays of shape (N,)) instead of adding them up into one number
per parameter."""
# lose: test_regression_output_layer test_regression_hidden_layer test_regression_sizes test_regression_types
# diagnosis: incomplete_reduction
# %% regression_gradients
def regression_gradients(w1, b1, w2, b2, x, t):
    z1 = 1 / (1 + np.exp(-(w1 * x + b1)))
    delta = 2 * (w2 * z1 + b2 - t) / len(x)
    delta_a1 = delta * w2 * z1 * (1 - z1)
    return {"w1": delta_a1 * x, "b1": delta_a1, "w2": delta * z1, "b2": delta}
