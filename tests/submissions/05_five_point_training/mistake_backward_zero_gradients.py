"""backward is a placeholder that sets every weight_grad / bias_grad to zeros of the right shape
(forward, get_loss and apply_gradients are right). Loses every backward cell, the state cell
included, and training goes nowhere."""
# lose: test_network_backward test_network_backward_shapes test_network_backward_state test_train_converges
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
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def get_loss(self, x, y):
        return self.loss.forward(y, self.forward(x))

    def backward(self, x, y):
        for layer in self.layers:
            layer.linear.weight_grad = np.zeros_like(layer.linear.weight)
            layer.linear.bias_grad = np.zeros_like(layer.linear.bias)

    def apply_gradients(self, learning_rate):
        for layer in self.layers:
            layer.linear.weight = layer.linear.weight - learning_rate * layer.linear.weight_grad
            layer.linear.bias = layer.linear.bias - learning_rate * layer.linear.bias_grad
