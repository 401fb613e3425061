"""Forgets the bias in the forward pass."""
# lose: test_linear_forward_single test_linear_forward_batch test_linear_class_forward
# diagnosis: missing_term
# %% linear_forward
def linear_forward(x, W, b):
    return x @ W.T
