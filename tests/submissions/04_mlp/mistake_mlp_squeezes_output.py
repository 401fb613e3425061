"""Squeezes the output to "drop the extra axis": a batch of one, or a network with one output (the worked example), loses an axis."""
# lose: test_mlp_forward test_mlp_batch_of_one
# diagnosis: flattened
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
        return np.squeeze(self.fc3.forward(h2))

    def backward(self, dy):
        dh2 = self.fc3.backward(dy)
        dh1 = self.fc2.backward(self.activation_fn2.backward(dh2))
        return self.fc1.backward(self.activation_fn1.backward(dh1))
