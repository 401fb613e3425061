"""Sample-by-sample loops with math.exp and NumPy outer products, recomputing the forward pass
from the weights (as NumPy arrays); tables typed by hand with four significant digits."""
# %% regression_gradients
import math

def regression_gradients(w1, b1, w2, b2, x, t):
    n = len(x)
    g_w1 = g_b1 = g_w2 = g_b2 = 0.0
    for x_i, t_i in zip(x, t):
        a1 = w1 * x_i + b1
        z1 = 1 / (1 + math.exp(-a1))
        y_hat = w2 * z1 + b2
        d_y = 2 * (y_hat - t_i) / n
        g_w2 += d_y * z1
        g_b2 += d_y
        d_a1 = d_y * w2 * z1 * (1 - z1)
        g_w1 += d_a1 * x_i
        g_b1 += d_a1
    return {"w1": float(g_w1), "b1": float(g_b1), "w2": float(g_w2), "b2": float(g_b2)}

# %% forward_table
forward_table = {"z1": [1.5, -2.5, 1.5], "a1": [1.5, 0, 1.5], "z2": [-1, 0.5], "a2": [0, 0.5],
                 "z3": -0.25, "y_hat": 0.4378, "loss": 0.8259}

# %% backward_table
backward_table = {
    "dL_dy_hat": -2.284,
    "dL_dz3": -0.5622,
    "dL_da2": [-1.124, 0.5622],
    "dL_dz2": [0, 0.5622],
    "dL_da1": [0.2811, 0.5622, 0.2811],
    "dL_dz1": [0.2811, 0, 0.2811],
    "fc3.weight": [[0, -0.2811]],
    "fc3.bias": [-0.5622],
    "fc2.weight": [[0, 0, 0], [0.8433, 0, 0.8433]],
    "fc2.bias": [0, 0.5622],
    "fc1.weight": [[0.5622, -0.2811], [0, 0], [0.5622, -0.2811]],
    "fc1.bias": [0.2811, 0, 0.2811],
}

# %% three_layer_backward
def three_layer_backward(model, x, y):
    W1, b1 = model.fc1.weight.detach().numpy(), model.fc1.bias.detach().numpy()
    W2, b2 = model.fc2.weight.detach().numpy(), model.fc2.bias.detach().numpy()
    W3, b3 = model.fc3.weight.detach().numpy(), model.fc3.bias.detach().numpy()
    X, Y = x.numpy(), y.numpy()
    n = X.shape[0]
    grads = {"fc1.weight": np.zeros_like(W1), "fc1.bias": np.zeros_like(b1),
             "fc2.weight": np.zeros_like(W2), "fc2.bias": np.zeros_like(b2),
             "fc3.weight": np.zeros_like(W3), "fc3.bias": np.zeros_like(b3)}
    for i in range(n):
        z2 = W1 @ X[i] + b1
        h2 = np.maximum(z2, 0)
        z3 = W2 @ h2 + b2
        h3 = np.maximum(z3, 0)
        z = W3 @ h3 + b3
        p = 1 / (1 + np.exp(-z))
        d_z = (p - Y[i]) / n                     # shape (1,)
        grads["fc3.weight"] += np.outer(d_z, h3)
        grads["fc3.bias"] += d_z
        d_z3 = (W3.T @ d_z) * (z3 > 0)
        grads["fc2.weight"] += np.outer(d_z3, h2)
        grads["fc2.bias"] += d_z3
        d_z2 = (W2.T @ d_z3) * (z2 > 0)
        grads["fc1.weight"] += np.outer(d_z2, X[i])
        grads["fc1.bias"] += d_z2
    return grads
