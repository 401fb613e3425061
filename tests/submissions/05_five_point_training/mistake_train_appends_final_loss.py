"""Also appends the loss after the last update, so there are epochs + 1 losses."""
# lose: test_train_output test_train_losses
# diagnosis: wrong_shape
# %% train_loop
def train(x, y, net, epochs, lr):
    losses = []
    for _ in range(epochs):
        losses.append(net.get_loss(x, y))
        net.backward(x, y)
        net.apply_gradients(lr)
    losses.append(net.get_loss(x, y))
    return net, np.array(losses)
