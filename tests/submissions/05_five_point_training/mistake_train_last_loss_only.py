"""Keeps only the latest loss in a variable and returns that single number."""
# lose: test_train_output test_train_losses
# diagnosis: wrong_type
# %% train_loop
def train(x, y, net, epochs, lr):
    loss = None
    for _ in range(epochs):
        loss = net.get_loss(x, y)
        net.backward(x, y)
        net.apply_gradients(lr)
    return net, loss
