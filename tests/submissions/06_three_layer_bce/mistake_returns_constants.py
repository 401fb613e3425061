"""A stub that returns constants whatever the input: every regression gradient is 0.1, every table
entry 0.5, and three_layer_backward returns 0.01 in every entry, shaped like each parameter.
Input-independent: 0 on every autograded cell (one step along a constant "gradient" may lower
the loss by luck; the SGD cell must not reward that)."""
# lose: test_regression_output_layer test_regression_hidden_layer test_regression_sizes test_regression_types test_table_forward test_table_backward test_three_layer_backward_single test_three_layer_backward_batch test_three_layer_backward_random_weights test_three_layer_backward_sgd test_three_layer_backward_no_autograd
# diagnosis: constant
# %% regression_gradients
def regression_gradients(w1, b1, w2, b2, x, t):
    return {"w1": 0.1, "b1": 0.1, "w2": 0.1, "b2": 0.1}
# %% forward_table
forward_table = {"z1": [0.5, 0.5, 0.5], "a1": [0.5, 0.5, 0.5], "z2": [0.5, 0.5], "a2": [0.5, 0.5],
                 "z3": 0.5, "y_hat": 0.5, "loss": 0.5}
# %% backward_table
backward_table = {"dL_dy_hat": 0.5, "dL_dz3": 0.5, "dL_da2": [0.5, 0.5], "dL_dz2": [0.5, 0.5],
                  "dL_da1": [0.5, 0.5, 0.5], "dL_dz1": [0.5, 0.5, 0.5], "fc3.weight": [[0.5, 0.5]],
                  "fc3.bias": [0.5], "fc2.weight": [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]], "fc2.bias": [0.5, 0.5],
                  "fc1.weight": [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]], "fc1.bias": [0.5, 0.5, 0.5]}
# %% three_layer_backward
def three_layer_backward(model, x, y):
    return {name: torch.full_like(parameter, 0.01) for name, parameter in model.named_parameters()}
