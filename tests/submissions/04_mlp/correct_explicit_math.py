"""Writes every product out in NumPy (einsum for the weight gradients, float32 input accepted)
and sets the layers' gradients by hand; Part B loops over the examples with outer products and
adds them up, using model.df."""
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
        self.h1 = np.tanh(self.x @ self.fc1.W.T + self.fc1.b)
        self.h2 = np.tanh(self.h1 @ self.fc2.W.T + self.fc2.b)
        return self.h2 @ self.fc3.W.T + self.fc3.b

    def backward(self, dy):
        dy = np.asarray(dy, dtype=np.float64)
        self.fc3.grad_W = np.einsum("no,ni->oi", dy, self.h2)
        self.fc3.grad_b = dy.sum(axis=0)
        dz2 = (dy @ self.fc3.W) * (1 - self.h2 ** 2)
        self.fc2.grad_W = np.einsum("no,ni->oi", dz2, self.h1)
        self.fc2.grad_b = dz2.sum(axis=0)
        dz1 = (dz2 @ self.fc2.W) * (1 - self.h1 ** 2)
        self.fc1.grad_W = np.einsum("no,ni->oi", dz1, self.x)
        self.fc1.grad_b = dz1.sum(axis=0)
        return dz1 @ self.fc1.W

# %% backpropagation
def backpropagation(model, y_true, y_pred):
    with torch.no_grad():
        for l in range(1, model.L + 1):
            model.dL_dw[l] = torch.zeros_like(model.fc[str(l)].weight)
            model.dL_db[l] = torch.zeros_like(model.fc[str(l)].bias)
        for k in range(y_pred.shape[0]):
            delta = 2 * (y_pred[k] - y_true[k]) * model.df[model.L](model.z[model.L][k])
            for l in range(model.L, 0, -1):
                model.dL_dw[l] += torch.outer(delta, model.a[l - 1][k])
                model.dL_db[l] += delta
                if l > 1:
                    delta = (model.fc[str(l)].weight.T @ delta) * model.df[l - 1](model.z[l - 1][k])
