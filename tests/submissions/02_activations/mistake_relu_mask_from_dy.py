"""Builds the ReLU mask from the upstream gradient instead of the input: dy * (dy > 0)."""
# lose: test_relu_backward test_relu_any_shape test_relu_at_zero test_relu_state
# diagnosis: derivative_at_wrong_point
# %% relu_layer
class ReLU:
    def forward(self, x):
        return np.maximum(x, 0)

    def backward(self, dy):
        return dy * (dy > 0)
