"""Computes each weight gradient as input^T @ delta, shape (in, out), and "fixes" the shape with
reshape instead of a transpose (on a square layer this is exactly the transpose)."""
# lose: test_three_layer_backward_single test_three_layer_backward_batch test_three_layer_backward_random_weights test_three_layer_backward_no_autograd test_three_layer_backward_sgd
# diagnosis: transposed
# %% three_layer_backward
def three_layer_backward(model, x, y):
    with torch.no_grad():
        h, v = model(x)
        dz = (h - y) / x.shape[0]
        dz3 = (dz @ model.fc3.weight) * (v["z2"] > 0)
        dz2 = (dz3 @ model.fc2.weight) * (v["z1"] > 0)
        return {"fc1.weight": (x.T @ dz2).reshape(model.fc1.weight.shape), "fc1.bias": dz2.sum(0),
                "fc2.weight": (v["a1"].T @ dz3).reshape(model.fc2.weight.shape), "fc2.bias": dz3.sum(0),
                "fc3.weight": (v["a2"].T @ dz).reshape(model.fc3.weight.shape), "fc3.bias": dz.sum(0)}
