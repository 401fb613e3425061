"""Copies what the tests do: runs autograd on a deep copy of the model (so the model's .grad
fields stay None) with torch.autograd.grad, and returns those gradients."""
# lose: test_three_layer_backward_single test_three_layer_backward_batch test_three_layer_backward_random_weights test_three_layer_backward_sgd test_three_layer_backward_no_autograd
# diagnosis: autograd
# %% three_layer_backward
def three_layer_backward(model, x, y):
    reference = copy.deepcopy(model)
    names, parameters = zip(*reference.named_parameters())
    loss = nn.functional.binary_cross_entropy(reference(x)[0], y)
    return {name: g.detach().numpy() for name, g in zip(names, torch.autograd.grad(loss, parameters))}
