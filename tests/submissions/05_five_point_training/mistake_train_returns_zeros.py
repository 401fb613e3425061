"""train is a placeholder: it returns (net, np.zeros(epochs)) without training. The type, shape
and dtype are right and x, y are untouched, which must not earn test_train_output: it loses every
train cell."""
# lose: test_train_output test_train_losses test_train_converges
# diagnosis: zeros
# %% train_loop
def train(x, y, net, epochs, lr):
    return net, np.zeros(epochs)
