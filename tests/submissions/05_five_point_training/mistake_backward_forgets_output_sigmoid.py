"""Treats the loss gradient as if it were already dL/dz_in of the output layer: no sigmoid' there
(only the hidden layers get their derivative). With these gradients the test's training run does
not fit the five points either."""
# lose: test_network_backward test_network_backward_shapes test_network_backward_state test_train_converges
# diagnosis: missing_term
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
        y_pred = self.forward(x)
        delta = self.loss.get_gradient(y, y_pred)
        for k in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[k]
            layer.linear.weight_grad = delta.T @ layer.last_input
            layer.linear.bias_grad = delta.sum(axis=0)
            if k > 0:
                below = self.layers[k - 1]
                delta = (delta @ layer.linear.weight) * below.act.get_gradient(below.last_zin)


    def apply_gradients(self, learning_rate):
        for layer in self.layers:
            layer.linear.weight = layer.linear.weight - learning_rate * layer.linear.weight_grad
            layer.linear.bias = layer.linear.bias - learning_rate * layer.linear.bias_grad
