"""Explicit Python loops over the examples of the batch, summing one outer product per example;
a single example is turned into a list of one row."""
# %% linear_forward
def linear_forward(x, W, b):
    rows = [x] if x.ndim == 1 else list(x)
    outputs = []
    for row in rows:
        out = np.zeros(W.shape[0])
        for j in range(W.shape[0]):
            for i in range(W.shape[1]):
                out[j] += W[j, i] * row[i]
            out[j] += b[j]
        outputs.append(out)
    return outputs[0] if x.ndim == 1 else np.array(outputs)

# %% linear_backward
def linear_backward(dy, x, W, b):
    xs = [x] if x.ndim == 1 else list(x)
    dys = [dy] if x.ndim == 1 else list(dy)
    dW = np.zeros(W.shape)
    db = np.zeros(b.shape)
    dx_rows = []
    for x_k, dy_k in zip(xs, dys):
        dW += np.outer(dy_k, x_k)
        db += dy_k
        dx_rows.append(W.T @ dy_k)
    dx = dx_rows[0] if x.ndim == 1 else np.array(dx_rows)
    return dx, dW, db

# %% linear_class
class Linear:
    def __init__(self, in_features, out_features):
        k = 1.0 / in_features ** 0.5
        self.W = np.random.rand(out_features, in_features) * 2 * k - k
        self.b = np.random.rand(out_features) * 2 * k - k
        self.grad_W, self.grad_b = None, None

    def forward(self, x):
        self.x = x.copy()
        return linear_forward(x, self.W, self.b)

    def backward(self, dy):
        dx, dW, db = linear_backward(dy, self.x, self.W, self.b)
        self.grad_W = dW
        self.grad_b = db
        return dx
