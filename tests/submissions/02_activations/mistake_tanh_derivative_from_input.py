"""Remembers "the derivative is 1 - tanh^2" as 1 - x**2, applied to the cached input."""
# lose: test_tanh_backward test_tanh_any_shape test_tanh_state
# diagnosis: derivative_at_wrong_point
# %% tanh_layer
class Tanh:
    def forward(self, x):
        self.x = x
        return np.tanh(x)

    def backward(self, dy):
        return dy * (1 - self.x ** 2)
