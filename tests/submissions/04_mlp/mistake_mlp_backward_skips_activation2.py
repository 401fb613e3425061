"""Backward forgets the second tanh: the gradient goes from fc3 straight into fc2."""
# lose: test_mlp_backward_dx test_mlp_grads_fc2 test_mlp_grads_fc1 test_mlp_batch_of_one test_mlp_state
# diagnosis: missing_term
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
        dh2 = self.fc3.backward(dy)
        dh1 = self.fc2.backward(dh2)
        return self.fc1.backward(self.activation_fn1.backward(dh1))
