"""Puts a tanh after fc3 too (and backpropagates through it), as if every layer had an activation."""
# lose: test_mlp_forward test_mlp_backward_dx test_mlp_grads_fc3 test_mlp_grads_fc2 test_mlp_grads_fc1 test_mlp_batch_of_one test_mlp_state
# diagnosis: wrong_value
# %% mlp
class MLP:
    def __init__(self, in_features, hidden_size1, hidden_size2, out_features):
        self.fc1 = Linear(in_features, hidden_size1)
        self.activation_fn1 = Tanh()
        self.fc2 = Linear(hidden_size1, hidden_size2)
        self.activation_fn2 = Tanh()
        self.fc3 = Linear(hidden_size2, out_features)
        self.activation_fn3 = Tanh()

    def forward(self, x):
        h1 = self.activation_fn1.forward(self.fc1.forward(x))
        h2 = self.activation_fn2.forward(self.fc2.forward(h1))
        return self.activation_fn3.forward(self.fc3.forward(h2))

    def backward(self, dy):
        dh2 = self.fc3.backward(self.activation_fn3.backward(dy))
        dh1 = self.fc2.backward(self.activation_fn2.backward(dh2))
        return self.fc1.backward(self.activation_fn1.backward(dh1))
