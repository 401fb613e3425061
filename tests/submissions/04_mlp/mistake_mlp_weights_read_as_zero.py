"""Gaming, not a slip: layers whose W and b are properties that always read as zeros, a forward
that returns zeros and a backward that stores zero gradients (but the last bias's). A test that
writes its weights into the layers and builds the expected values from what they then read
would be checking a zero network. Must lose every MLP cell."""
# lose: test_mlp_forward test_mlp_backward_dx test_mlp_grads_fc3 test_mlp_grads_fc2 test_mlp_grads_fc1 test_mlp_batch_of_one test_mlp_state
# diagnosis: wrong_value
# %% mlp
class FrozenLayer:
    """No weights of its own: W and b always read as zeros."""
    def __init__(self, n_in, n_out):
        self.shape = (n_out, n_in)
        self.grad_W = None
        self.grad_b = None

    @property
    def W(self):
        return np.zeros(self.shape)

    @property
    def b(self):
        return np.zeros(self.shape[0])


class MLP:
    """No network and no backpropagation: zeros everywhere."""
    def __init__(self, in_features, hidden_size1, hidden_size2, out_features):
        self.fc1 = FrozenLayer(in_features, hidden_size1)
        self.fc2 = FrozenLayer(hidden_size1, hidden_size2)
        self.fc3 = FrozenLayer(hidden_size2, out_features)

    def forward(self, x):
        x = np.asarray(x, dtype=np.float64)
        return np.zeros((x.shape[0], self.fc3.shape[0]))

    def backward(self, dy):
        dy = np.asarray(dy, dtype=np.float64)
        for layer in (self.fc1, self.fc2, self.fc3):
            layer.grad_W, layer.grad_b = np.zeros(layer.shape), np.zeros(layer.shape[0])
        self.fc3.grad_b = dy.sum(axis=0)
        return np.zeros((dy.shape[0], self.fc1.shape[1]))
