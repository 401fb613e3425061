"""Records the loss after each update, so losses[0] is already the loss of the updated network."""
# lose: test_train_losses test_train_output
# diagnosis: wrong_value
# %% train_loop
def train(x, y, net, epochs, lr):
    losses = []
    for _ in range(epochs):
        net.backward(x, y)
        net.apply_gradients(lr)
        losses.append(net.get_loss(x, y))
    return net, np.array(losses)
