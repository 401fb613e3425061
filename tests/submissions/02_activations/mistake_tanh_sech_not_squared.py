"""Writes tanh'(x) = sech(x) = 1 / cosh(x), forgetting the square."""
# lose: test_tanh_backward test_tanh_any_shape test_tanh_state
# diagnosis: wrong_value
# %% tanh_layer
class Tanh:
    def forward(self, x):
        self.x = x
        return np.tanh(x)

    def backward(self, dy):
        return dy / np.cosh(self.x)
