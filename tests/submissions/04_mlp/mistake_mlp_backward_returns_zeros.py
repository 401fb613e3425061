"""A correct MLP.forward, but MLP.backward is a placeholder: dx is zeros shaped like x and every
grad_W / grad_b is zeros of the right shape. Keeps the forward cell, loses every cell that checks
backward (the state cell included)."""
# lose: test_mlp_backward_dx test_mlp_grads_fc3 test_mlp_grads_fc2 test_mlp_grads_fc1 test_mlp_batch_of_one test_mlp_state
# diagnosis: zeros
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
        for layer in (self.fc1, self.fc2, self.fc3):
            layer.grad_W = np.zeros_like(layer.W)
            layer.grad_b = np.zeros_like(layer.b)
        return np.zeros((dy.shape[0], self.fc1.W.shape[1]))
