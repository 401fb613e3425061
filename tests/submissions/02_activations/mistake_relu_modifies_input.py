"""Zeroes the negative entries of x in place and returns x itself."""
# lose: test_relu_state
# diagnosis: modified_input
# %% relu_layer
class ReLU:
    def forward(self, x):
        x[x < 0] = 0
        self.x = x
        return x

    def backward(self, dy):
        return dy * (self.x > 0)
