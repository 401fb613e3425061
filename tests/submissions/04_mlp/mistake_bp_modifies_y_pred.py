"""Subtracts y_true in place from y_pred.detach(), which shares y_pred's memory: values right, y_pred (and model.a[L]) overwritten."""
# lose: test_backprop_inputs_unchanged
# diagnosis: modified_input
# %% backpropagation
def backpropagation(model, y_true, y_pred):
    with torch.no_grad():
        L = model.L
        error = y_pred.detach()
        error -= y_true
        delta = 2 * error * model.df[L](model.z[L])
        for l in range(L, 0, -1):
            model.dL_dw[l] = delta.T @ model.a[l - 1]
            model.dL_db[l] = delta.sum(dim=0)
            if l > 1:
                delta = (delta @ model.fc[str(l)].weight) * model.df[l - 1](model.z[l - 1])
