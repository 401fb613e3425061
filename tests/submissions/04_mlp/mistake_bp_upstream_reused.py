"""Never updates delta inside the loop: every hidden layer starts again from the output layer's delta (right for one hidden layer only)."""
# lose: test_backprop_deeper
# diagnosis: wrong_value
# %% backpropagation
def backpropagation(model, y_true, y_pred):
    with torch.no_grad():
        L = model.L
        delta_L = 2 * (y_pred - y_true) * model.df[L](model.z[L])
        model.dL_dw[L] = delta_L.T @ model.a[L - 1]
        model.dL_db[L] = delta_L.sum(dim=0)
        for l in range(L - 1, 0, -1):
            delta = (delta_L @ model.fc[str(l + 1)].weight) * model.df[l](model.z[l])
            model.dL_dw[l] = delta.T @ model.a[l - 1]
            model.dL_db[l] = delta.sum(dim=0)
