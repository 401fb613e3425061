"""np.dot with reshape(1, -1) for a single example and reshape back; converts inputs to float64
first; Linear uses PyTorch-like init through np.random.uniform and stores copies of the gradients."""
# %% linear_forward
def linear_forward(x, W, b):
    x = np.asarray(x, dtype=np.float64)
    single = x.ndim == 1
    y = np.dot(x.reshape(-1, W.shape[1]), W.T) + b
    return y.reshape(-1) if single else y

# %% linear_backward
def linear_backward(dy, x, W, b):
    x = np.asarray(x, dtype=np.float64)
    dy2 = np.asarray(dy, dtype=np.float64).reshape(-1, W.shape[0])
    x2 = x.reshape(-1, W.shape[1])
    dx = np.dot(dy2, W).reshape(x.shape)
    dW = np.dot(dy2.T, x2)
    db = np.dot(np.ones(dy2.shape[0]), dy2)
    return dx, dW, db

# %% linear_class
class Linear:
    def __init__(self, in_features, out_features):
        bound = np.sqrt(1.0 / in_features)
        self.W = np.random.uniform(low=-bound, high=bound, size=(out_features, in_features))
        self.b = np.random.uniform(low=-bound, high=bound, size=(out_features,))
        self.grad_W = None
        self.grad_b = None
        self.last_input = None

    def forward(self, x):
        self.last_input = x
        return linear_forward(x, self.W, self.b)

    def backward(self, dy):
        assert self.last_input is not None, "call forward first"
        dx, dW, db = linear_backward(dy, self.last_input, self.W, self.b)
        self.grad_W, self.grad_b = np.copy(dW), np.copy(db)
        return dx
