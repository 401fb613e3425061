"""Switches autograd back on inside the function (leaves inference mode, enables grad) and lets
torch.autograd.grad differentiate a copy of the parameters: the tests refuse autograd wherever
the student's code runs, so every test of three_layer_backward fails."""
# lose: test_three_layer_backward_single test_three_layer_backward_batch test_three_layer_backward_random_weights test_three_layer_backward_sgd test_three_layer_backward_no_autograd
# diagnosis: autograd
# %% three_layer_backward
def three_layer_backward(model, x, y):
    with torch.inference_mode(False), torch.enable_grad():
        params = {name: p.detach().clone().requires_grad_(True) for name, p in model.named_parameters()}
        h, _ = torch.func.functional_call(model, params, (x.clone(),))
        loss = bce(h, y.clone())
        grads = torch.autograd.grad(loss, list(params.values()))
    return {name: g.detach() for name, g in zip(params, grads)}
