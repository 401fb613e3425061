"""Caches the output and tests y >= 0, which is true everywhere: the gradient is never blocked."""
# lose: test_relu_backward test_relu_any_shape test_relu_at_zero test_relu_state
# diagnosis: returns_input
# %% relu_layer
class ReLU:
    def forward(self, x):
        self.y = np.maximum(x, 0)
        return self.y

    def backward(self, dy):
        return dy * (self.y >= 0)
