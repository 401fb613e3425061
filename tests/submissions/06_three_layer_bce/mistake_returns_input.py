"""Returns the parameters instead of their gradients: regression_gradients gives back w1, b1, w2,
b2, and three_layer_backward a copy of each weight and bias (right keys and shapes, inputs
untouched). Nothing is differentiated: it must lose every cell of both exercises (a step along
the weights shrinks them, which may lower the loss by luck; the SGD cell must not reward that).
The tables are the reference ones."""
# lose: test_regression_output_layer test_regression_hidden_layer test_regression_sizes test_regression_types test_three_layer_backward_single test_three_layer_backward_batch test_three_layer_backward_random_weights test_three_layer_backward_sgd test_three_layer_backward_no_autograd
# diagnosis: returns_input
# %% regression_gradients
def regression_gradients(w1, b1, w2, b2, x, t):
    return {"w1": float(w1), "b1": float(b1), "w2": float(w2), "b2": float(b2)}
# %% three_layer_backward
def three_layer_backward(model, x, y):
    return {name: parameter.detach().clone() for name, parameter in model.named_parameters()}
