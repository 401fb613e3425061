"""Forgets the 2 of d(e**2)/de at the output."""
# lose: test_backprop_one_hidden test_backprop_deeper test_backprop_mnist test_backprop_batch_of_one test_backprop_inputs_unchanged
# diagnosis: constant_factor
# %% backpropagation
def backpropagation(model, y_true, y_pred):
    with torch.no_grad():
        L = model.L
        delta = (y_pred - y_true) * model.df[L](model.z[L])
        for l in range(L, 0, -1):
            model.dL_dw[l] = delta.T @ model.a[l - 1]
            model.dL_db[l] = delta.sum(dim=0)
            if l > 1:
                delta = (delta @ model.fc[str(l)].weight) * model.df[l - 1](model.z[l - 1])
