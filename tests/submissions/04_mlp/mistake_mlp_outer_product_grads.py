"""Writes the single-example formulas by hand (np.outer, ravel): right for a batch of one only."""
# lose: test_mlp_grads_fc3 test_mlp_grads_fc2 test_mlp_grads_fc1 test_mlp_state
# diagnosis: incomplete_reduction
# %% mlp
class MLP:
    def __init__(self, in_features, hidden_size1, hidden_size2, out_features):
        self.fc1 = Linear(in_features, hidden_size1)
        self.activation_fn1 = Tanh()
        self.fc2 = Linear(hidden_size1, hidden_size2)
        self.activation_fn2 = Tanh()
        self.fc3 = Linear(hidden_size2, out_features)

    def forward(self, x):
        self.x = np.asarray(x, dtype=np.float64)
        self.h1 = self.activation_fn1.forward(self.fc1.forward(self.x))
        self.h2 = self.activation_fn2.forward(self.fc2.forward(self.h1))
        return self.fc3.forward(self.h2)

    def backward(self, dy):
        self.fc3.grad_W = np.outer(dy, self.h2)
        self.fc3.grad_b = dy.ravel()
        dz2 = (dy @ self.fc3.W) * (1 - self.h2 ** 2)
        self.fc2.grad_W = np.outer(dz2, self.h1)
        self.fc2.grad_b = dz2.ravel()
        dz1 = (dz2 @ self.fc2.W) * (1 - self.h1 ** 2)
        self.fc1.grad_W = np.outer(dz1, self.x)
        self.fc1.grad_b = dz1.ravel()
        return dz1 @ self.fc1.W
