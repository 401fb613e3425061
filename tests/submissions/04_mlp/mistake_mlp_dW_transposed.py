"""Computes the weight gradients by hand as input.T @ delta, the transpose of W's shape (it would pass on square layers)."""
# lose: test_mlp_grads_fc3 test_mlp_grads_fc2 test_mlp_grads_fc1 test_mlp_batch_of_one test_mlp_state
# diagnosis: transposed
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
        self.fc3.grad_W = self.h2.T @ dy
        self.fc3.grad_b = dy.sum(axis=0)
        dz2 = (dy @ self.fc3.W) * (1 - self.h2 ** 2)
        self.fc2.grad_W = self.h1.T @ dz2
        self.fc2.grad_b = dz2.sum(axis=0)
        dz1 = (dz2 @ self.fc2.W) * (1 - self.h1 ** 2)
        self.fc1.grad_W = self.x.T @ dz1
        self.fc1.grad_b = dz1.sum(axis=0)
        return dz1 @ self.fc1.W
