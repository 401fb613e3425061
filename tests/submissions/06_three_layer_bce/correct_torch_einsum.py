"""PyTorch tensor math without autograd: Part A with torch.sigmoid returning 0-d tensors; tables
computed with code from the model's intermediate values (with their batch axis); Part B through
the intermediate dict with the two BCE/sigmoid factors kept separate and einsum for the outer
products."""
# %% regression_gradients
def regression_gradients(w1, b1, w2, b2, x, t):
    x, t = torch.from_numpy(x), torch.from_numpy(t)
    a1 = w1 * x + b1
    z1 = torch.sigmoid(a1)
    y_hat = w2 * z1 + b2
    d_y_hat = 2 * (y_hat - t) / len(x)
    d_a1 = d_y_hat * w2 * z1 * (1 - z1)
    return {"w1": (d_a1 * x).sum(), "b1": d_a1.sum(), "w2": (d_y_hat * z1).sum(), "b2": d_y_hat.sum()}

# %% forward_table
_model, _x, _y = worked_example()
with torch.no_grad():
    _h, _values = _model(_x)
forward_table = {key: _values[key] for key in ["z1", "a1", "z2", "a2", "z3"]}
forward_table["y_hat"] = _h
forward_table["loss"] = bce(_h, _y)

# %% backward_table
_W1, _W2, _W3 = _model.fc1.weight.detach(), _model.fc2.weight.detach(), _model.fc3.weight.detach()
_p = _h.item()
_dL_dp = -(1 / _p)                         # y = 1
_dL_dz3 = _dL_dp * _p * (1 - _p)
_dz = torch.tensor([[_dL_dz3]], dtype=torch.float64)
_dh3 = _dz @ _W3
_dz3 = _dh3 * (_values["z2"] > 0)
_dh2 = _dz3 @ _W2
_dz2 = _dh2 * (_values["z1"] > 0)
backward_table = {
    "dL_dy_hat": _dL_dp, "dL_dz3": _dL_dz3, "dL_da2": _dh3, "dL_dz2": _dz3, "dL_da1": _dh2, "dL_dz1": _dz2,
    "fc3.weight": _dz.T @ _values["a2"], "fc3.bias": _dz[0],
    "fc2.weight": _dz3.T @ _values["a1"], "fc2.bias": _dz3[0],
    "fc1.weight": _dz2.T @ _x, "fc1.bias": _dz2[0],
}

# %% three_layer_backward
def three_layer_backward(model, x, y):
    with torch.no_grad():
        h, v = model(x)
        n = x.shape[0]
        dL_dh = (-(y / h) + (1 - y) / (1 - h)) / n
        dz = dL_dh * h * (1 - h)
        dz3 = torch.einsum("no,oj->nj", dz, model.fc3.weight) * (v["z2"] > 0).double()
        dz2 = torch.einsum("nk,kj->nj", dz3, model.fc2.weight) * (v["z1"] > 0).double()
        return {
            "fc1.weight": torch.einsum("nj,ni->ji", dz2, v["x"]),
            "fc1.bias": torch.einsum("nj->j", dz2),
            "fc2.weight": torch.einsum("nk,nj->kj", dz3, v["a1"]),
            "fc2.bias": torch.einsum("nk->k", dz3),
            "fc3.weight": torch.einsum("no,nk->ok", dz, v["a2"]),
            "fc3.bias": torch.einsum("no->o", dz),
        }
