"""Forgets that the output layer has a tanh too: delta_L = 2 (y_pred - y_true)."""
# lose: test_backprop_one_hidden test_backprop_deeper test_backprop_mnist test_backprop_batch_of_one test_backprop_inputs_unchanged
# diagnosis: missing_term
# %% backpropagation
def backpropagation(model, y_true, y_pred):
    with torch.no_grad():
        L = model.L
        delta = 2 * (y_pred - y_true)
        for l in range(L, 0, -1):
            model.dL_dw[l] = delta.T @ model.a[l - 1]
            model.dL_db[l] = delta.sum(dim=0)
            if l > 1:
                delta = (delta @ model.fc[str(l)].weight) * model.df[l - 1](model.z[l - 1])
