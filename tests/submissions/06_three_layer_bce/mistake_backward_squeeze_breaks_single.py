"""Squeezes the (n, 1) output gradient to (n,) and builds the last layer with it; for n = 1 the
squeeze leaves a 0-d tensor and the matrix products fail."""
# lose: test_three_layer_backward_single
# diagnosis: error
# %% three_layer_backward
def three_layer_backward(model, x, y):
    with torch.no_grad():
        h, v = model(x)
        dz = ((h - y) / x.shape[0]).squeeze()                  # (n,)
        dz3 = torch.outer(dz, model.fc3.weight[0]) * (v["z2"] > 0)
        dz2 = (dz3 @ model.fc2.weight) * (v["z1"] > 0)
        return {"fc1.weight": dz2.T @ x, "fc1.bias": dz2.sum(0), "fc2.weight": dz3.T @ v["a1"],
                "fc2.bias": dz3.sum(0), "fc3.weight": (dz @ v["a2"]).reshape(1, -1),
                "fc3.bias": dz.sum().reshape(1)}
