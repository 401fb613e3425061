"""Other valid formulas: tanh' as 1 - tanh(x)^2 recomputed from the input, the sigmoid through
tanh (0.5 (1 + tanh(x/2))) with a numerically stable two-branch form for its derivative,
ReLU with np.clip, np.heaviside(x, 0) and a copied-then-zeroed output."""
# %% tanh_layer
class Tanh:
    def __init__(self):
        self.cache = None

    def forward(self, x):
        self.cache = x.copy()
        return np.tanh(x)

    def backward(self, dy):
        return dy * (1 - np.tanh(self.cache) ** 2)

# %% sigmoid_layer
class Sigmoid:
    def forward(self, x):
        self.x = x
        return 0.5 * (1 + np.tanh(0.5 * x))

    def backward(self, dy):
        z = np.exp(-np.abs(self.x))          # never overflows
        return dy * z / (1 + z) ** 2         # sigma'(x) is symmetric in x

# %% relu_layer
class ReLU:
    def forward(self, x):
        self.slope = np.heaviside(x, 0.0)
        y = np.clip(x, 0, None)
        return y

    def backward(self, dy):
        dx = np.array(dy, dtype=np.float64)
        dx[self.slope == 0] = 0.0
        return dx
