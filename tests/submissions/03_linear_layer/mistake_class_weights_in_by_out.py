"""Its own convention: W of shape (in, out) and forward x @ W + b; breaks with the course's W."""
# lose: test_linear_class_attributes test_linear_class_forward test_linear_class_backward test_linear_class_second_backward
# diagnosis: transposed
# %% linear_class
class Linear:
    def __init__(self, in_features, out_features):
        bound = 1 / np.sqrt(in_features)
        self.W = np.random.uniform(-bound, bound, (in_features, out_features))
        self.b = np.random.uniform(-bound, bound, out_features)
        self.grad_W = None
        self.grad_b = None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dy):
        x2, dy2 = np.atleast_2d(self.x), np.atleast_2d(dy)
        self.grad_W = x2.T @ dy2
        self.grad_b = dy2.sum(axis=0)
        return (dy2 @ self.W.T).reshape(np.shape(self.x))
