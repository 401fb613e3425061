"""einsum everywhere, one example handled by an explicit ndim branch; Linear computes its own
gradients (without calling linear_backward) and keeps a copy of the input."""
# %% linear_forward
def linear_forward(x, W, b):
    if x.ndim == 1:
        return np.einsum("oi,i->o", W, x) + b
    return np.einsum("ni,oi->no", x, W) + b

# %% linear_backward
def linear_backward(dy, x, W, b):
    if x.ndim == 1:
        dx = np.einsum("o,oi->i", dy, W)
        dW = np.einsum("o,i->oi", dy, x)
        db = dy.copy()
    else:
        dx = np.einsum("no,oi->ni", dy, W)
        dW = np.einsum("no,ni->oi", dy, x)
        db = np.einsum("no->o", dy)
    return dx, dW, db

# %% linear_class
class Linear:
    def __init__(self, in_features, out_features):
        limit = 1 / np.sqrt(in_features)
        rng = np.random.default_rng()
        self.W = rng.uniform(-limit, limit, (out_features, in_features))
        self.b = rng.uniform(-limit, limit, out_features)
        self.grad_W = None
        self.grad_b = None

    def forward(self, x):
        self.cache = np.array(x, dtype=float)
        return np.einsum("...i,oi->...o", self.cache, self.W) + self.b

    def backward(self, dy):
        x = self.cache.reshape(-1, self.W.shape[1])
        rows = np.reshape(dy, (-1, self.W.shape[0]))
        self.grad_W = np.einsum("no,ni->oi", rows, x)
        self.grad_b = np.einsum("no->o", rows)
        return np.einsum("...o,oi->...i", dy, self.W)
