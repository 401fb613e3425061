"""Backward relies on the caches of the latest forward (no forward call inside), einsum for every
product, in-place updates; train preallocates the loss array and computes the loss from forward."""
# %% neural_network
from functools import reduce


class NeuralNetwork:
    def __init__(self, input_size, output_size, hidden_sizes):
        self.input_size = input_size
        self.output_size = output_size
        self.hidden_sizes = list(hidden_sizes)
        self.loss = MSELoss()
        sizes = [input_size, *hidden_sizes]
        self.layers = [NeuralLayer(a, b, "tanh") for a, b in zip(sizes[:-1], sizes[1:])]
        self.layers.append(NeuralLayer(sizes[-1], output_size, "sigmoid"))

    def forward(self, x):
        return reduce(lambda h, layer: layer.forward(h), self.layers, x)

    def get_loss(self, x, y):
        return float(np.mean((self.forward(x) - y) ** 2))

    def backward(self, x, y):
        upstream = self.loss.get_gradient(y, self.layers[-1].last_zout)
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            delta = upstream * layer.act.get_gradient(layer.last_zin)
            layer.linear.weight_grad = np.einsum("no,ni->oi", delta, layer.last_input)
            layer.linear.bias_grad = np.einsum("no->o", delta)
            upstream = np.einsum("no,oi->ni", delta, layer.linear.weight)

    def apply_gradients(self, learning_rate):
        for layer in self.layers:
            layer.linear.weight -= learning_rate * layer.linear.weight_grad
            layer.linear.bias -= learning_rate * layer.linear.bias_grad

# %% train_loop
def train(x, y, net, epochs, lr):
    losses = np.zeros(epochs)
    for epoch in range(epochs):
        predictions = net.forward(x)
        losses[epoch] = MSELoss().forward(y, predictions)
        net.backward(x, y)
        net.apply_gradients(lr)
    return net, losses
