"""Misremembers the sigmoid's derivative as s * (1 + s)."""
# lose: test_sigmoid_backward test_sigmoid_any_shape test_sigmoid_saturation test_sigmoid_state
# diagnosis: wrong_value
# %% sigmoid_layer
class Sigmoid:
    def forward(self, x):
        self.s = 1 / (1 + np.exp(-x))
        return self.s

    def backward(self, dy):
        return dy * self.s * (1 + self.s)
