"""Adds each new gradient to the previous one (grad_W += dW) instead of replacing it."""
# lose: test_linear_class_second_backward
# diagnosis: accumulated
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
        dx, dW, db = linear_backward(dy, self.x, self.W, self.b)
        if self.grad_W is None:
            self.grad_W, self.grad_b = dW, db
        else:
            self.grad_W += dW
            self.grad_b += db
        return dx
