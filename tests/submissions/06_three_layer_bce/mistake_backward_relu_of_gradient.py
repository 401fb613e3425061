"""Applies ReLU to the incoming gradient (keeps its positive part) instead of masking it with
the sign of the forward pre-activation."""
# lose: test_three_layer_backward_single test_three_layer_backward_batch test_three_layer_backward_random_weights test_three_layer_backward_no_autograd test_three_layer_backward_sgd
# diagnosis: derivative_at_wrong_point
# %% three_layer_backward
def three_layer_backward(model, x, y):
    with torch.no_grad():
        h, v = model(x)
        dz = (h - y) / x.shape[0]
        dz3 = torch.relu(dz @ model.fc3.weight)
        dz2 = torch.relu(dz3 @ model.fc2.weight)
        return {"fc1.weight": dz2.T @ x, "fc1.bias": dz2.sum(0), "fc2.weight": dz3.T @ v["a1"],
                "fc2.bias": dz3.sum(0), "fc3.weight": dz.T @ v["a2"], "fc3.bias": dz.sum(0)}
