"""Loops over a list of layers (forward in order, backward reversed); Part B with einsum and
tanh' written as 1 - a**2 from the stored activations instead of model.df."""
# %% mlp
class MLP:
    def __init__(self, in_features, hidden_size1, hidden_size2, out_features):
        self.fc1 = Linear(in_features, hidden_size1)
        self.activation_fn1 = Tanh()
        self.fc2 = Linear(hidden_size1, hidden_size2)
        self.activation_fn2 = Tanh()
        self.fc3 = Linear(hidden_size2, out_features)
        self.layers = [self.fc1, self.activation_fn1, self.fc2, self.activation_fn2, self.fc3]

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dy):
        for layer in reversed(self.layers):
            dy = layer.backward(dy)
        return dy

# %% backpropagation
def backpropagation(model, y_true, y_pred):
    a = {l: model.a[l].detach() for l in range(model.L + 1)}
    delta = 2 * (y_pred.detach() - y_true) * (1 - a[model.L] ** 2)
    for l in range(model.L, 0, -1):
        model.dL_dw[l] = torch.einsum("ki,kj->ij", delta, a[l - 1])
        model.dL_db[l] = torch.einsum("ki->i", delta)
        weight = model.fc[str(l)].weight.detach()
        delta = torch.einsum("ki,ij->kj", delta, weight) * (1 - a[l - 1] ** 2)
