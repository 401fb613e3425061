"""Placeholders everywhere except the constructor: forward returns zeros of shape (n, output_size),
get_loss returns 0.0, backward sets every weight_grad / bias_grad to zeros of the right shape,
apply_gradients does nothing, and train returns (net, np.zeros(epochs)) without training.
Right types and shapes, inputs untouched: it must score 0 on every autograded cell except
test_network_structure, which grades only the constructor, and the constructor here is correct
(the right layers, sizes and activations), so that point is deserved."""
# lose: test_network_forward test_network_loss test_network_backward test_network_backward_shapes test_network_backward_state test_apply_gradients test_train_output test_train_losses test_train_converges
# diagnosis: zeros
# %% neural_network
class NeuralNetwork:
    def __init__(self, input_size, output_size, hidden_sizes):
        self.input_size = input_size
        self.output_size = output_size
        self.hidden_sizes = list(hidden_sizes)
        self.loss = MSELoss()
        sizes = [input_size] + self.hidden_sizes + [output_size]
        self.layers = []
        for k in range(len(sizes) - 1):
            activation = "sigmoid" if k == len(sizes) - 2 else "tanh"
            self.layers.append(NeuralLayer(sizes[k], sizes[k + 1], activation))

    def forward(self, x):
        return np.zeros((x.shape[0], self.output_size))

    def get_loss(self, x, y):
        return 0.0

    def backward(self, x, y):
        for layer in self.layers:
            layer.linear.weight_grad = np.zeros_like(layer.linear.weight)
            layer.linear.bias_grad = np.zeros_like(layer.linear.bias)

    def apply_gradients(self, learning_rate):
        pass
# %% train_loop
def train(x, y, net, epochs, lr):
    return net, np.zeros(epochs)
