"""Creates grad_W and grad_b only in backward: a new layer has no such attributes."""
# lose: test_linear_class_attributes
# diagnosis: error
# %% linear_class
class Linear:
    def __init__(self, in_features, out_features):
        bound = 1 / np.sqrt(in_features)
        self.W = np.random.uniform(-bound, bound, (out_features, in_features))
        self.b = np.random.uniform(-bound, bound, out_features)

    def forward(self, x):
        self.x = x
        return linear_forward(x, self.W, self.b)

    def backward(self, dy):
        dx, self.grad_W, self.grad_b = linear_backward(dy, self.x, self.W, self.b)
        return dx
