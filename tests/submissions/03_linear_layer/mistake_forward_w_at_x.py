"""y = W @ x + b, the column-vector formula: right for one example, fails for a batch."""
# lose: test_linear_forward_batch test_linear_class_forward test_linear_class_backward test_linear_class_second_backward
# diagnosis: error
# %% linear_forward
def linear_forward(x, W, b):
    return W @ x + b
