"""Uses x >= 0 for the mask, so ReLU'(0) = 1 instead of the convention ReLU'(0) = 0."""
# lose: test_relu_at_zero
# diagnosis: wrong_value
# %% relu_layer
class ReLU:
    def forward(self, x):
        self.mask = x >= 0
        return np.where(self.mask, x, 0.0)

    def backward(self, dy):
        return dy * self.mask
