"""Returns the Python list of losses instead of a NumPy array."""
# lose: test_train_output
# diagnosis: wrong_type
# %% train_loop
def train(x, y, net, epochs, lr):
    losses = []
    for _ in range(epochs):
        losses.append(net.get_loss(x, y))
        net.backward(x, y)
        net.apply_gradients(lr)
    return net, losses
