"""Autograd again, more carefully hidden: runs the forward pass once more from the stored input
a[0] under torch.enable_grad(), calls loss.backward() and copies each parameter's .grad. With
autograd switched off in the tests there is no graph to go back through, so every test fails."""
# lose: test_backprop_one_hidden test_backprop_deeper test_backprop_mnist test_backprop_batch_of_one test_backprop_inputs_unchanged
# diagnosis: autograd
# %% backpropagation
def backpropagation(model, y_true, y_pred):
    with torch.enable_grad():
        model.zero_grad()
        a = model.a[0].detach()
        for l in range(1, model.L + 1):
            a = torch.tanh(model.fc[str(l)](a))
        ((a - y_true) ** 2).sum().backward()
    for l in range(1, model.L + 1):
        model.dL_dw[l] = model.fc[str(l)].weight.grad.clone()
        model.dL_db[l] = model.fc[str(l)].bias.grad.clone()
