"""Squeezes the output error to drop 'the extra dimension': fine for batches, breaks a batch of one."""
# lose: test_backprop_batch_of_one
# diagnosis: error
# %% backpropagation
def backpropagation(model, y_true, y_pred):
    with torch.no_grad():
        L = model.L
        delta = 2 * (y_pred - y_true).squeeze() * model.df[L](model.z[L]).squeeze()
        for l in range(L, 0, -1):
            model.dL_dw[l] = delta.T @ model.a[l - 1]
            model.dL_db[l] = delta.sum(dim=0)
            if l > 1:
                delta = (delta @ model.fc[str(l)].weight) * model.df[l - 1](model.z[l - 1])
