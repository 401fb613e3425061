"""Placeholders that compute nothing: regression_gradients returns 0.0 for every key, both tables
hold zeros with the right number of values, and three_layer_backward returns zeros shaped like
each parameter. Right keys, types and shapes, nothing modified, no autograd: it must score 0 on
every autograded cell (the written answer is graded by hand and is not part of this evidence)."""
# lose: test_regression_output_layer test_regression_hidden_layer test_regression_sizes test_regression_types test_table_forward test_table_backward test_three_layer_backward_single test_three_layer_backward_batch test_three_layer_backward_random_weights test_three_layer_backward_sgd test_three_layer_backward_no_autograd
# diagnosis: zeros
# %% regression_gradients
def regression_gradients(w1, b1, w2, b2, x, t):
    return {"w1": 0.0, "b1": 0.0, "w2": 0.0, "b2": 0.0}
# %% forward_table
forward_table = {"z1": [0.0, 0.0, 0.0], "a1": [0.0, 0.0, 0.0], "z2": [0.0, 0.0], "a2": [0.0, 0.0],
                 "z3": 0.0, "y_hat": 0.0, "loss": 0.0}
# %% backward_table
backward_table = {"dL_dy_hat": 0.0, "dL_dz3": 0.0, "dL_da2": [0.0, 0.0], "dL_dz2": [0.0, 0.0],
                  "dL_da1": [0.0, 0.0, 0.0], "dL_dz1": [0.0, 0.0, 0.0], "fc3.weight": [[0.0, 0.0]],
                  "fc3.bias": [0.0], "fc2.weight": [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], "fc2.bias": [0.0, 0.0],
                  "fc1.weight": [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]], "fc1.bias": [0.0, 0.0, 0.0]}
# %% three_layer_backward
def three_layer_backward(model, x, y):
    return {name: torch.zeros_like(parameter) for name, parameter in model.named_parameters()}
