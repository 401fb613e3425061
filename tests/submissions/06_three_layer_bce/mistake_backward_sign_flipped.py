"""Uses y - y_hat for dL/dz (the negative gradient, i.e. the descent direction) and returns it
as the gradient: a step "against" it climbs the loss."""
# lose: test_three_layer_backward_single test_three_layer_backward_batch test_three_layer_backward_random_weights test_three_layer_backward_sgd test_three_layer_backward_no_autograd
# diagnosis: wrong_sign
# %% three_layer_backward
def three_layer_backward(model, x, y):
    with torch.no_grad():
        h, v = model(x)
        dz = (y - h) / x.shape[0]
        dz3 = (dz @ model.fc3.weight) * (v["z2"] > 0)
        dz2 = (dz3 @ model.fc2.weight) * (v["z1"] > 0)
        return {"fc1.weight": dz2.T @ x, "fc1.bias": dz2.sum(0), "fc2.weight": dz3.T @ v["a1"],
                "fc2.bias": dz3.sum(0), "fc3.weight": dz.T @ v["a2"], "fc3.bias": dz.sum(0)}
