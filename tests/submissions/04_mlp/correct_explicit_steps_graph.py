"""Names every intermediate gradient in the MLP; Part B follows the notation of the equations
step by step with einsum, treats the output layer before the loop, reads .weight.data, and
leaves its results attached to autograd's graph (no torch.no_grad)."""
# %% mlp
class MLP:
    def __init__(self, in_features, hidden_size1, hidden_size2, out_features):
        self.fc1 = Linear(in_features, hidden_size1)
        self.activation_fn1 = Tanh()
        self.fc2 = Linear(hidden_size1, hidden_size2)
        self.activation_fn2 = Tanh()
        self.fc3 = Linear(hidden_size2, out_features)

    def forward(self, x):
        z1 = self.fc1.forward(x)
        h1 = self.activation_fn1.forward(z1)
        z2 = self.fc2.forward(h1)
        h2 = self.activation_fn2.forward(z2)
        y = self.fc3.forward(h2)
        return y

    def backward(self, dy):
        dh2 = self.fc3.backward(dy)
        dz2 = self.activation_fn2.backward(dh2)
        dh1 = self.fc2.backward(dz2)
        dz1 = self.activation_fn1.backward(dh1)
        dx = self.fc1.backward(dz1)
        return dx

# %% backpropagation
def backpropagation(model, y_true, y_pred):
    L = model.L
    dL_da_L = 2 * torch.sub(y_pred, y_true)
    df_z_L = model.df[L](model.z[L])
    delta_L = torch.einsum("ij,ij->ij", dL_da_L, df_z_L)
    model.dL_dw[L] = torch.einsum("ki,kj->ij", delta_L, model.a[L - 1])
    model.dL_db[L] = torch.sum(delta_L, dim=0)
    delta_next = delta_L
    for l in range(L - 1, 0, -1):
        df_z = model.df[l](model.z[l])
        weights_next = model.fc[str(l + 1)].weight.data
        delta = torch.einsum("kj,ji,ki->ki", delta_next, weights_next, df_z)
        model.dL_dw[l] = torch.einsum("ki,kj->ij", delta, model.a[l - 1])
        model.dL_db[l] = torch.sum(delta, dim=0)
        delta_next = delta
