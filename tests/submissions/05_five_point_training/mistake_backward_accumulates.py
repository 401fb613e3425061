"""Adds the new gradients to the stored ones (as PyTorch does) instead of replacing them. In
training the summed-up gradients make the steps grow until the fit fails."""
# lose: test_network_backward_state test_train_converges
# diagnosis: accumulated
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
        grad_out = self.loss.get_gradient(y, y_pred)
        for layer in reversed(self.layers):
            delta = grad_out * layer.act.get_gradient(layer.last_zin)
            weight_grad, bias_grad = delta.T @ layer.last_input, delta.sum(axis=0)
            if layer.linear.weight_grad is None:
                layer.linear.weight_grad, layer.linear.bias_grad = weight_grad, bias_grad
            else:
                layer.linear.weight_grad = layer.linear.weight_grad + weight_grad
                layer.linear.bias_grad = layer.linear.bias_grad + bias_grad
            grad_out = delta @ layer.linear.weight


    def apply_gradients(self, learning_rate):
        for layer in self.layers:
            layer.linear.weight = layer.linear.weight - learning_rate * layer.linear.weight_grad
            layer.linear.bias = layer.linear.bias - learning_rate * layer.linear.bias_grad
