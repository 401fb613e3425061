"""Vectorised NumPy: Part A with np.dot and explicit deltas; tables as NumPy arrays (and a torch
tensor); Part B recomputes the forward pass in NumPy, masks with np.where on the ReLU outputs
(h > 0, equivalent to z > 0 away from 0) and returns NumPy arrays."""
# %% regression_gradients
def regression_gradients(w1, b1, w2, b2, x, t):
    n = x.shape[0]
    z1 = 1.0 / (1.0 + np.exp(-(w1 * x + b1)))
    residual = w2 * z1 + b2 - t
    delta_out = (2.0 / n) * residual
    delta_hidden = delta_out * w2 * z1 * (1 - z1)
    return {"w2": np.dot(delta_out, z1), "b2": delta_out.sum(),
            "w1": np.dot(delta_hidden, x), "b1": delta_hidden.sum()}

# %% forward_table
forward_table = {"z1": np.array([1.5, -2.5, 1.5]), "a1": np.array([1.5, 0.0, 1.5]),
                 "z2": np.array([[-1.0, 0.5]]), "a2": np.array([[0.0, 0.5]]),
                 "z3": np.array([[-0.25]]), "y_hat": np.float64(0.43782), "loss": 0.82594}

# %% backward_table
backward_table = {
    "dL_dy_hat": np.array(-2.28403),
    "dL_dz3": 0.437823 - 1,
    "dL_da2": np.array([-1.124355, 0.562177]),
    "dL_dz2": np.array([0.0, 0.562177]),
    "dL_da1": np.array([0.281089, 0.562177, 0.281089]),
    "dL_dz1": np.array([0.281089, 0.0, 0.281089]),
    "fc3.weight": np.array([[0.0, -0.281089]]),
    "fc3.bias": torch.tensor([-0.562177]),
    "fc2.weight": np.array([[0.0, 0.0, 0.0], [0.843266, 0.0, 0.843266]]),
    "fc2.bias": np.array([0.0, 0.562177]),
    "fc1.weight": np.array([[0.562177, -0.281089], [0.0, 0.0], [0.562177, -0.281089]]),
    "fc1.bias": np.array([0.281089, 0.0, 0.281089]),
}

# %% three_layer_backward
def three_layer_backward(model, x, y):
    p = {name: value.detach().numpy() for name, value in model.named_parameters()}
    x, y = x.numpy(), y.numpy()
    h2 = np.maximum(x @ p["fc1.weight"].T + p["fc1.bias"], 0)
    h3 = np.maximum(h2 @ p["fc2.weight"].T + p["fc2.bias"], 0)
    out = 1 / (1 + np.exp(-(h3 @ p["fc3.weight"].T + p["fc3.bias"])))
    d_z = (out - y) / len(x)
    d_z3 = np.where(h3 > 0, d_z @ p["fc3.weight"], 0.0)
    d_z2 = np.where(h2 > 0, d_z3 @ p["fc2.weight"], 0.0)
    return {"fc3.weight": d_z.T @ h3, "fc3.bias": d_z.sum(axis=0),
            "fc2.weight": d_z3.T @ h2, "fc2.bias": d_z3.sum(axis=0),
            "fc1.weight": d_z2.T @ x, "fc1.bias": d_z2.sum(axis=0)}
