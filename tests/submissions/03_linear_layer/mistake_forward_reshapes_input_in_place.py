"""Turns one example into a batch of one with x.shape = ..., which reshapes the caller's array."""
# lose: test_linear_inputs_unchanged test_linear_class_backward
# diagnosis: modified_input
# %% linear_forward
def linear_forward(x, W, b):
    single = x.ndim == 1
    if single:
        x.shape = (1, x.size)
    y = x @ W.T + b
    return y[0] if single else y
