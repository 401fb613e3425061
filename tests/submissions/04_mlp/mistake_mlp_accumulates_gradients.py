"""Adds each backward's gradients to the previous ones, like PyTorch's .grad, so a second batch keeps the first batch's gradients."""
# lose: test_mlp_state
# diagnosis: accumulated
# %% mlp
class MLP:
    def __init__(self, in_features, hidden_size1, hidden_size2, out_features):
        self.fc1 = Linear(in_features, hidden_size1)
        self.activation_fn1 = Tanh()
        self.fc2 = Linear(hidden_size1, hidden_size2)
        self.activation_fn2 = Tanh()
        self.fc3 = Linear(hidden_size2, out_features)

    def forward(self, x):
        h1 = self.activation_fn1.forward(self.fc1.forward(x))
        h2 = self.activation_fn2.forward(self.fc2.forward(h1))
        return self.fc3.forward(h2)

    def backward(self, dy):
        layers = (self.fc1, self.fc2, self.fc3)
        previous = [(layer.grad_W, layer.grad_b) for layer in layers]
        dh2 = self.fc3.backward(dy)
        dh1 = self.fc2.backward(self.activation_fn2.backward(dh2))
        dx = self.fc1.backward(self.activation_fn1.backward(dh1))
        for layer, (grad_W, grad_b) in zip(layers, previous):
            if grad_W is not None:
                layer.grad_W = layer.grad_W + grad_W
                layer.grad_b = layer.grad_b + grad_b
        return dx
