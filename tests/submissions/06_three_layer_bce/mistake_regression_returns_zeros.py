"""regression_gradients is a placeholder returning {"w1": 0.0, "b1": 0.0, "w2": 0.0, "b2": 0.0}:
a dict of four numbers, x and t untouched. Loses every regression cell, the types one included."""
# lose: test_regression_output_layer test_regression_hidden_layer test_regression_sizes test_regression_types
# diagnosis: zeros
# %% regression_gradients
def regression_gradients(w1, b1, w2, b2, x, t):
    return {"w1": 0.0, "b1": 0.0, "w2": 0.0, "b2": 0.0}
