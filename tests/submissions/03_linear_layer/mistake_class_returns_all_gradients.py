"""backward returns (dx, dW, db) instead of dx alone."""
# lose: test_linear_class_backward
# diagnosis: wrong_type
# %% linear_class
class Linear:
    def __init__(self, in_features, out_features):
        bound = 1 / np.sqrt(in_features)
        self.W = np.random.uniform(-bound, bound, (out_features, in_features))
        self.b = np.random.uniform(-bound, bound, out_features)
        self.grad_W = None
        self.grad_b = None

    def forward(self, x):
        self.x = x
        return linear_forward(x, self.W, self.b)

    def backward(self, dy):
        dx, self.grad_W, self.grad_b = linear_backward(dy, self.x, self.W, self.b)
        return dx, self.grad_W, self.grad_b
