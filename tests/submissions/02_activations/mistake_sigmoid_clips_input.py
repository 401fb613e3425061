"""Clips x to [-5, 5] "to avoid overflow in exp", which flattens the sigmoid for large |x|."""
# lose: test_sigmoid_saturation
# diagnosis: wrong_value
# %% sigmoid_layer
class Sigmoid:
    def forward(self, x):
        self.y = 1 / (1 + np.exp(-np.clip(x, -5, 5)))
        return self.y

    def backward(self, dy):
        return dy * self.y * (1 - self.y)
