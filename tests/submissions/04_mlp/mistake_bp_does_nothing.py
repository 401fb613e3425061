"""backpropagation left as an empty stub (it returns without storing anything, so model.dL_dw and
model.dL_db keep their initial None values). It changes nothing, which must not earn the
"inputs unchanged" point: it loses every backpropagation cell."""
# lose: test_backprop_one_hidden test_backprop_deeper test_backprop_mnist test_backprop_batch_of_one test_backprop_inputs_unchanged
# diagnosis: wrong_type
# %% backpropagation
def backpropagation(model, y_true, y_pred):
    pass
