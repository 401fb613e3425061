"""Stores the input only on the first forward, so later backward calls use the first batch."""
# lose: test_linear_class_second_backward
# diagnosis: stale_cache
# %% linear_class
class Linear:
    def __init__(self, in_features, out_features):
        bound = 1 / np.sqrt(in_features)
        self.W = np.random.uniform(-bound, bound, (out_features, in_features))
        self.b = np.random.uniform(-bound, bound, out_features)
        self.grad_W = None
        self.grad_b = None
        self.x = None

    def forward(self, x):
        if self.x is None:
            self.x = x
        return linear_forward(x, self.W, self.b)

    def backward(self, dy):
        dx, self.grad_W, self.grad_b = linear_backward(dy, self.x, self.W, self.b)
        return dx
