"""Caches the input and applies the output formula y (1 - y) to it: x (1 - x)."""
# lose: test_sigmoid_backward test_sigmoid_any_shape test_sigmoid_saturation test_sigmoid_state
# diagnosis: derivative_at_wrong_point
# %% sigmoid_layer
class Sigmoid:
    def forward(self, x):
        self.x = x
        return 1 / (1 + np.exp(-x))

    def backward(self, dy):
        return dy * self.x * (1 - self.x)
