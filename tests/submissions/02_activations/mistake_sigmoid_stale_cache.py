"""Computes the cached output only on the first call, so backward stays stuck on the first batch."""
# lose: test_sigmoid_state
# diagnosis: stale_cache
# %% sigmoid_layer
class Sigmoid:
    def __init__(self):
        self.y = None

    def forward(self, x):
        y = 1 / (1 + np.exp(-x))
        if self.y is None:
            self.y = y
        return y

    def backward(self, dy):
        return dy * self.y * (1 - self.y)
