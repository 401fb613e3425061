"""Stores the bias gradient as torch.squeeze(delta), as for one example, instead of summing delta over the batch: right for a batch of one only."""
# lose: test_backprop_one_hidden test_backprop_deeper test_backprop_mnist test_backprop_inputs_unchanged
# diagnosis: incomplete_reduction
# %% backpropagation
def backpropagation(model, y_true, y_pred):
    with torch.no_grad():
        L = model.L
        delta = 2 * (y_pred - y_true) * model.df[L](model.z[L])
        for l in range(L, 0, -1):
            model.dL_dw[l] = delta.T @ model.a[l - 1]
            model.dL_db[l] = torch.squeeze(delta)
            if l > 1:
                delta = (delta @ model.fc[str(l)].weight) * model.df[l - 1](model.z[l - 1])
