"""The single-example equations in loops: one example at a time, outer products summed over the
batch, the previous layer's output as this layer's input; train in a while loop."""
# %% neural_network
class NeuralNetwork:
    def __init__(self, input_size, output_size, hidden_sizes):
        self.input_size = input_size
        self.output_size = output_size
        self.hidden_sizes = list(hidden_sizes)
        self.loss = MSELoss()
        self.layers = []
        previous = input_size
        for width in hidden_sizes:
            self.layers.append(NeuralLayer(previous, width, "tanh"))
            previous = width
        self.layers.append(NeuralLayer(previous, output_size, "sigmoid"))

    def forward(self, x):
        out = x
        for layer in self.layers:
            out = layer.forward(out)
        return out

    def get_loss(self, x, y):
        prediction = self.forward(x)
        return self.loss.forward(y, prediction)

    def backward(self, x, y):
        prediction = self.forward(x)
        n = x.shape[0]
        upstream = self.loss.get_gradient(y, prediction)          # (n, out) for the last layer
        for index in reversed(range(len(self.layers))):
            layer = self.layers[index]
            layer_input = x if index == 0 else self.layers[index - 1].last_zout
            weight = layer.linear.weight
            weight_grad = np.zeros(weight.shape)
            bias_grad = np.zeros(weight.shape[0])
            new_upstream = np.zeros((n, weight.shape[1]))
            for i in range(n):
                delta_i = upstream[i] * layer.act.get_gradient(layer.last_zin[i])   # (out,)
                weight_grad += np.outer(delta_i, layer_input[i])
                bias_grad += delta_i
                new_upstream[i] = weight.T @ delta_i
            layer.linear.weight_grad = weight_grad
            layer.linear.bias_grad = bias_grad
            upstream = new_upstream

    def apply_gradients(self, learning_rate):
        for layer in self.layers:
            new_weight = np.subtract(layer.linear.weight, learning_rate * layer.linear.weight_grad)
            new_bias = np.subtract(layer.linear.bias, learning_rate * layer.linear.bias_grad)
            layer.linear.weight, layer.linear.bias = new_weight, new_bias

# %% train_loop
def train(x, y, net, epochs, lr):
    losses = []
    epoch = 0
    while epoch < epochs:
        losses.append(net.get_loss(x, y))
        net.backward(x, y)
        net.apply_gradients(lr)
        epoch += 1
    return net, np.asarray(losses, dtype=float)
