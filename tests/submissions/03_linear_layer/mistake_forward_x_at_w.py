"""y = x @ W + b: only runs for a square layer."""
# lose: test_linear_forward_single test_linear_forward_batch test_linear_class_forward test_linear_class_backward test_linear_class_second_backward
# diagnosis: error
# %% linear_forward
def linear_forward(x, W, b):
    return x @ W + b
