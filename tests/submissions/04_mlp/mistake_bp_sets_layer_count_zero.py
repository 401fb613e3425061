"""Gaming, not a slip: backpropagation stores nothing and sets model.L = 0 on the test's model, so
that a test looping over range(1, model.L + 1) checks no layer. Must lose every backpropagation
cell, as an empty stub does."""
# lose: test_backprop_one_hidden test_backprop_deeper test_backprop_mnist test_backprop_batch_of_one test_backprop_inputs_unchanged
# diagnosis: wrong_type
# %% backpropagation
def backpropagation(model, y_true, y_pred):
    model.L = 0
