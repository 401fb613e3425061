"""three_layer_backward is a placeholder returning zeros shaped like each parameter (right keys,
no autograd, nothing modified). Loses every three_layer_backward cell, the "no autograd, nothing
changed" one included."""
# lose: test_three_layer_backward_single test_three_layer_backward_batch test_three_layer_backward_random_weights test_three_layer_backward_sgd test_three_layer_backward_no_autograd
# diagnosis: zeros
# %% three_layer_backward
def three_layer_backward(model, x, y):
    return {name: torch.zeros_like(parameter) for name, parameter in model.named_parameters()}
