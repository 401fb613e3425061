"""np.matmul with np.atleast_2d, reshaping back with the ndim of x; db as dy.sum(0) written with
keepdims and squeezed; Linear caches the 2-D input and whether the input was a single example."""
# %% linear_forward
def linear_forward(x, W, b):
    y = np.matmul(np.atleast_2d(x), W.T) + b[np.newaxis, :]
    return y[0] if np.ndim(x) == 1 else y

# %% linear_backward
def linear_backward(dy, x, W, b):
    X, DY = np.atleast_2d(x), np.atleast_2d(dy)
    dx = np.matmul(DY, W)
    if np.ndim(x) == 1:
        dx = dx[0]
    dW = np.matmul(DY.T, X)
    db = np.sum(DY, axis=0, keepdims=True).squeeze(0)
    return dx, dW, db

# %% linear_class
class Linear:
    def __init__(self, in_features, out_features):
        s = 1 / np.sqrt(in_features)
        self.W = np.random.uniform(-s, s, (out_features, in_features))
        self.b = np.random.uniform(-s, s, out_features)
        self.grad_W = None
        self.grad_b = None

    def forward(self, x):
        self.single = np.ndim(x) == 1
        self.X = np.atleast_2d(x)
        return linear_forward(x, self.W, self.b)

    def backward(self, dy):
        DY = np.atleast_2d(dy)
        self.grad_W = DY.T @ self.X
        self.grad_b = DY.sum(axis=0)
        dx = DY @ self.W
        return dx[0] if self.single else dx
