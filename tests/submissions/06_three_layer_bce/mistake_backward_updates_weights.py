"""Also takes the gradient-descent step inside the function, changing the caller's model."""
# lose: test_three_layer_backward_no_autograd
# diagnosis: modified_input
# %% three_layer_backward
def three_layer_backward(model, x, y):
    with torch.no_grad():
        h, v = model(x)
        dz = (h - y) / x.shape[0]
        dz3 = (dz @ model.fc3.weight) * (v["z2"] > 0)
        dz2 = (dz3 @ model.fc2.weight) * (v["z1"] > 0)
        grads = {"fc1.weight": dz2.T @ x, "fc1.bias": dz2.sum(0), "fc2.weight": dz3.T @ v["a1"],
                 "fc2.bias": dz3.sum(0), "fc3.weight": dz.T @ v["a2"], "fc3.bias": dz.sum(0)}
        for name, parameter in model.named_parameters():
            parameter -= 0.1 * grads[name]
    return grads
