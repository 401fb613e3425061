"""Records the loss every epoch but never calls backward or apply_gradients (the update step was
forgotten), so every entry is the initial loss: losses[0] is right, nothing is learned."""
# lose: test_train_output test_train_losses test_train_converges
# diagnosis: constant
# %% train_loop
def train(x, y, net, epochs, lr):
    losses = []
    for _ in range(epochs):
        losses.append(net.get_loss(x, y))
    return net, np.array(losses)
