"""Fuses backward and update layer by layer: each layer's weights are updated before the signal for
the layer below is computed, so that signal uses the new weights."""
# lose: test_train_losses test_train_output
# diagnosis: wrong_value
# %% train_loop
def train(x, y, net, epochs, lr):
    losses = []
    for _ in range(epochs):
        y_pred = net.forward(x)
        losses.append(net.loss.forward(y, y_pred))
        upstream = net.loss.get_gradient(y, y_pred)
        for layer in reversed(net.layers):
            delta = upstream * layer.act.get_gradient(layer.last_zin)
            layer.linear.weight = layer.linear.weight - lr * (delta.T @ layer.last_input)
            layer.linear.bias = layer.linear.bias - lr * delta.sum(axis=0)
            upstream = delta @ layer.linear.weight
    return net, np.array(losses)
