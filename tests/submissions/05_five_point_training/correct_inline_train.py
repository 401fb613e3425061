"""Derivatives computed from the cached outputs (tanh' = 1 - a^2, sigmoid' = a(1 - a)), np.dot
everywhere; train does its own backpropagation inline on a deep copy and returns the copy."""
# %% neural_network
class NeuralNetwork:
    def __init__(self, input_size, output_size, hidden_sizes):
        self.input_size = input_size
        self.output_size = output_size
        self.hidden_sizes = list(hidden_sizes)
        self.loss = MSELoss()
        sizes = [input_size] + list(hidden_sizes) + [output_size]
        last = len(sizes) - 2
        self.layers = [NeuralLayer(sizes[k], sizes[k + 1], "sigmoid" if k == last else "tanh")
                       for k in range(len(sizes) - 1)]

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def get_loss(self, x, y):
        return np.mean(np.square(self.forward(x) - y))

    def backward(self, x, y):
        out = self.forward(x)
        grad_a = 2.0 * (out - y) / out.size
        for layer in self.layers[::-1]:
            a = layer.last_zout
            derivative = a * (1 - a) if isinstance(layer.act, Sigmoid) else 1 - a ** 2
            delta = np.multiply(grad_a, derivative)
            layer.linear.weight_grad = np.dot(delta.T, layer.last_input)
            layer.linear.bias_grad = np.sum(delta, axis=0)
            grad_a = np.dot(delta, layer.linear.weight)

    def apply_gradients(self, learning_rate):
        for layer in self.layers:
            layer.linear.weight = layer.linear.weight - learning_rate * layer.linear.weight_grad
            layer.linear.bias = layer.linear.bias - learning_rate * layer.linear.bias_grad

# %% train_loop
def train(x, y, net, epochs, lr):
    net = copy.deepcopy(net)
    losses = []
    for _ in range(epochs):
        out = net.forward(x)
        losses.append(np.mean((out - y) ** 2))
        upstream = 2 * (out - y) / out.size
        steps = []
        for layer in reversed(net.layers):
            delta = upstream * layer.act.get_gradient(layer.last_zin)
            steps.append((layer, delta.T @ layer.last_input, delta.sum(axis=0)))
            upstream = delta @ layer.linear.weight
        for layer, weight_grad, bias_grad in steps:
            layer.linear.weight = layer.linear.weight - lr * weight_grad
            layer.linear.bias = layer.linear.bias - lr * bias_grad
    return net, np.array(losses)
