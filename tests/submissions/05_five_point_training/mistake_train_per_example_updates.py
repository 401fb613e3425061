"""Takes one step per example (stochastic gradient descent) instead of one full-batch step per epoch."""
# lose: test_train_losses test_train_output
# diagnosis: wrong_value
# %% train_loop
def train(x, y, net, epochs, lr):
    losses = []
    for _ in range(epochs):
        losses.append(net.get_loss(x, y))
        for i in range(len(x)):
            net.backward(x[i:i + 1], y[i:i + 1])
            net.apply_gradients(lr)
    return net, np.array(losses)
