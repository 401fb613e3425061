"""np.matmul and explicit transposes, layer list built by a comprehension, get_loss returning a
NumPy float64, backward through the provided MSELoss and layer objects; train with np.empty."""
# %% neural_network
class NeuralNetwork:
    def __init__(self, input_size, output_size, hidden_sizes):
        self.input_size = input_size
        self.output_size = output_size
        self.hidden_sizes = list(hidden_sizes)
        self.loss = MSELoss()
        widths = (input_size,) + tuple(hidden_sizes)
        self.layers = [NeuralLayer(widths[i], widths[i + 1], "tanh") for i in range(len(widths) - 1)] \
            + [NeuralLayer(widths[-1], output_size, "sigmoid")]

    def forward(self, x):
        h = np.asarray(x, dtype=np.float64)
        for layer in self.layers:
            h = layer.forward(h)
        return h

    def get_loss(self, x, y):
        return np.float64(self.loss.forward(y, self.forward(x)))

    def backward(self, x, y):
        self.forward(x)
        dz_out = self.loss.get_gradient(y, self.layers[-1].last_zout)
        for layer in reversed(self.layers):
            dz_in = dz_out * layer.act.get_gradient(layer.last_zin)
            dz_out = np.matmul(dz_in, layer.linear.weight)
            layer.linear.weight_grad = np.matmul(np.transpose(dz_in), layer.last_input)
            layer.linear.bias_grad = dz_in.sum(0)

    def apply_gradients(self, learning_rate):
        for layer in self.layers:
            lin = layer.linear
            lin.weight, lin.bias = lin.weight - learning_rate * lin.weight_grad, lin.bias - learning_rate * lin.bias_grad

# %% train_loop
def train(x, y, net, epochs, lr):
    losses = np.empty(epochs, dtype=np.float64)
    for i in range(epochs):
        losses[i] = net.get_loss(x, y)
        net.backward(x, y)
        net.apply_gradients(lr)
    return (net, losses)
