"""A placeholder that computes nothing: MLP.forward returns zeros of shape (n, out), MLP.backward
returns zeros of shape (n, in) and sets every grad_W / grad_b to zeros of the right shape, and
backpropagation stores zero tensors shaped like each weight and bias. Right shapes, no input
touched: it must score 0 on every autograded cell ("state" and "inputs unchanged" included).
(The written derivations are graded by hand and are not part of this evidence.)"""
# lose: test_mlp_forward test_mlp_backward_dx test_mlp_grads_fc3 test_mlp_grads_fc2 test_mlp_grads_fc1 test_mlp_batch_of_one test_mlp_state test_backprop_one_hidden test_backprop_deeper test_backprop_mnist test_backprop_batch_of_one test_backprop_inputs_unchanged
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
        return np.zeros((x.shape[0], self.fc3.W.shape[0]))

    def backward(self, dy):
        for layer in (self.fc1, self.fc2, self.fc3):
            layer.grad_W = np.zeros_like(layer.W)
            layer.grad_b = np.zeros_like(layer.b)
        return np.zeros((dy.shape[0], self.fc1.W.shape[1]))
# %% backpropagation
def backpropagation(model, y_true, y_pred):
    for l in range(1, model.L + 1):
        model.dL_dw[l] = torch.zeros_like(model.fc[str(l)].weight)
        model.dL_db[l] = torch.zeros_like(model.fc[str(l)].bias)
