"""Chains the layers with functools.reduce; Part B converts everything to NumPy, recurses from
the output layer down, uses 1/cosh(z)**2 for tanh', and stores NumPy arrays."""
# %% mlp
from functools import reduce

class MLP:
    def __init__(self, in_features, hidden_size1, hidden_size2, out_features):
        self.fc1 = Linear(in_features, hidden_size1)
        self.activation_fn1 = Tanh()
        self.fc2 = Linear(hidden_size1, hidden_size2)
        self.activation_fn2 = Tanh()
        self.fc3 = Linear(hidden_size2, out_features)

    def forward(self, x):
        steps = [self.fc1, self.activation_fn1, self.fc2, self.activation_fn2, self.fc3]
        return reduce(lambda value, step: step.forward(value), steps, x)

    def backward(self, dy):
        steps = [self.fc3, self.activation_fn2, self.fc2, self.activation_fn1, self.fc1]
        return reduce(lambda grad, step: step.backward(grad), steps, dy)

# %% backpropagation
def backpropagation(model, y_true, y_pred):
    A = {l: model.a[l].detach().numpy() for l in range(model.L + 1)}
    Z = {l: model.z[l].detach().numpy() for l in range(1, model.L + 1)}
    W = {l: model.fc[str(l)].weight.detach().numpy() for l in range(1, model.L + 1)}

    def go_back(l, delta):
        model.dL_dw[l] = delta.T @ A[l - 1]
        model.dL_db[l] = delta.sum(axis=0)
        if l > 1:
            go_back(l - 1, (delta @ W[l]) / np.cosh(Z[l - 1]) ** 2)

    error = y_pred.detach().numpy() - y_true.detach().numpy()
    go_back(model.L, 2 * error / np.cosh(Z[model.L]) ** 2)
