"""Writes 1 / (1 + exp(x)), which is sigma(-x). Its y (1 - y) happens to equal sigma'(x), but the
forward values are wrong and backward no longer matches the gradient of its own forward (the
visible numerical check in the backward cell catches that)."""
# lose: test_sigmoid_forward test_sigmoid_backward test_sigmoid_any_shape test_sigmoid_saturation test_sigmoid_state
# diagnosis: wrong_value
# %% sigmoid_layer
class Sigmoid:
    def forward(self, x):
        self.y = 1 / (1 + np.exp(x))
        return self.y

    def backward(self, dy):
        return dy * self.y * (1 - self.y)
