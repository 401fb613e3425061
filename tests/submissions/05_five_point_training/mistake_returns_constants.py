"""A stub that returns constants whatever the input: forward gives 0.5 everywhere (sigmoid(0)),
get_loss gives 0.25 (the loss of that output on 0/1 labels), backward sets every gradient to ones,
apply_gradients does nothing and train returns (net, np.full(epochs, 0.25)). It must score 0 on
every autograded cell except test_network_structure: the constructor is correct, and that cell
grades only the constructor."""
# lose: test_network_forward test_network_loss test_network_backward test_network_backward_shapes test_network_backward_state test_apply_gradients test_train_output test_train_losses test_train_converges
# diagnosis: constant
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
        return np.full((len(x), self.output_size), 0.5)

    def get_loss(self, x, y):
        return 0.25

    def backward(self, x, y):
        for layer in self.layers:
            layer.linear.weight_grad = np.ones(layer.linear.weight.shape)
            layer.linear.bias_grad = np.ones(layer.linear.bias.shape)

    def apply_gradients(self, learning_rate):
        pass
# %% train_loop
def train(x, y, net, epochs, lr):
    return net, np.full(epochs, 0.25)
