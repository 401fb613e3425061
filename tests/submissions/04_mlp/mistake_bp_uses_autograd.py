"""Lets autograd do the work: y_pred is still attached to the graph of model(x), so one call of
torch.autograd.grad on the squared error gives every gradient. The exercise forbids it, and the
tests call backpropagation with autograd switched off, so every test of it fails."""
# lose: test_backprop_one_hidden test_backprop_deeper test_backprop_mnist test_backprop_batch_of_one test_backprop_inputs_unchanged
# diagnosis: autograd
# %% backpropagation
def backpropagation(model, y_true, y_pred):
    params = [p for l in range(1, model.L + 1) for p in (model.fc[str(l)].weight, model.fc[str(l)].bias)]
    grads = torch.autograd.grad(((y_pred - y_true) ** 2).sum(), params)
    for l in range(1, model.L + 1):
        model.dL_dw[l], model.dL_db[l] = grads[2 * l - 2], grads[2 * l - 1]
