"""Builds the gradient with a list comprehension over rows and forgets to turn it back into an array."""
# lose: test_sigmoid_backward test_sigmoid_any_shape test_sigmoid_saturation test_sigmoid_state
# diagnosis: wrong_type
# %% sigmoid_layer
class Sigmoid:
    def forward(self, x):
        self.y = 1 / (1 + np.exp(-x))
        return self.y

    def backward(self, dy):
        return [g * s * (1 - s) for g, s in zip(dy, self.y)]
