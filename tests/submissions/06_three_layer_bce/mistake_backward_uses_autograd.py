"""Lets autograd do the work: loss.backward() and returns the parameters' .grad (fails every test
of three_layer_backward, which call it with autograd switched off)."""
# lose: test_three_layer_backward_single test_three_layer_backward_batch test_three_layer_backward_random_weights test_three_layer_backward_sgd test_three_layer_backward_no_autograd
# diagnosis: autograd
# %% three_layer_backward
def three_layer_backward(model, x, y):
    model.zero_grad()
    h, _ = model(x)
    loss = bce(h, y)
    loss.backward()
    return {name: parameter.grad.clone() for name, parameter in model.named_parameters()}
