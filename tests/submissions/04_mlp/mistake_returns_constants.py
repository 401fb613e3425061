"""A stub that returns constants of the right shapes whatever the input: MLP.forward gives 0.5
everywhere, MLP.backward returns ones and sets every grad_W / grad_b to ones, backpropagation
stores ones shaped like each weight and bias. Input-independent: 0 on every autograded cell."""
# lose: test_mlp_forward test_mlp_backward_dx test_mlp_grads_fc3 test_mlp_grads_fc2 test_mlp_grads_fc1 test_mlp_batch_of_one test_mlp_state test_backprop_one_hidden test_backprop_deeper test_backprop_mnist test_backprop_batch_of_one test_backprop_inputs_unchanged
# diagnosis: constant
# %% mlp
class MLP:
    def __init__(self, in_features, hidden_size1, hidden_size2, out_features):
        self.fc1 = Linear(in_features, hidden_size1)
        self.activation_fn1 = Tanh()
        self.fc2 = Linear(hidden_size1, hidden_size2)
        self.activation_fn2 = Tanh()
        self.fc3 = Linear(hidden_size2, out_features)

    def forward(self, x):
        return np.full((len(x), self.fc3.W.shape[0]), 0.5)

    def backward(self, dy):
        for layer in (self.fc1, self.fc2, self.fc3):
            layer.grad_W = np.ones(layer.W.shape)
            layer.grad_b = np.ones(layer.b.shape)
        return np.ones((len(dy), self.fc1.W.shape[1]))
# %% backpropagation
def backpropagation(model, y_true, y_pred):
    for l in range(1, model.L + 1):
        model.dL_dw[l] = torch.ones_like(model.fc[str(l)].weight)
        model.dL_db[l] = torch.ones_like(model.fc[str(l)].bias)
