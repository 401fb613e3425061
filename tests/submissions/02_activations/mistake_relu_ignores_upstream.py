"""Returns the 0/1 mask (the local derivative) and forgets to multiply by dy."""
# lose: test_relu_backward test_relu_any_shape test_relu_at_zero test_relu_state
# diagnosis: ignores_upstream
# %% relu_layer
class ReLU:
    def forward(self, x):
        self.x = x
        return np.maximum(x, 0)

    def backward(self, dy):
        return (self.x > 0).astype(float)
