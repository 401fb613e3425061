"""Gaming, not a slip: backward computes nothing and empties net.layers, so that a test reading
the gradients layer by layer from it finds no layer to check. Must lose every backward cell, as an
empty backward does."""
# lose: test_network_backward test_network_backward_shapes test_network_backward_state test_train_converges
# diagnosis: wrong_value
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
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def get_loss(self, x, y):
        return self.loss.forward(y, self.forward(x))

    def backward(self, x, y):
        # no backpropagation: the layers are moved where the tests do not look
        self.hidden_away = self.layers
        self.layers = []

    def apply_gradients(self, learning_rate):
        self.layers = self.layers or self.hidden_away
        for layer in self.layers:
            layer.linear.weight = layer.linear.weight - learning_rate * layer.linear.weight_grad
            layer.linear.bias = layer.linear.bias - learning_rate * layer.linear.bias_grad
