"""Computes the gradients once, before the loop, and then keeps stepping with those stale
gradients. The stale gradients do not fit the five points either."""
# lose: test_train_losses test_train_converges test_train_output
# diagnosis: stale_cache
# %% train_loop
def train(x, y, net, epochs, lr):
    losses = []
    net.backward(x, y)
    for _ in range(epochs):
        losses.append(net.get_loss(x, y))
        net.apply_gradients(lr)
    return net, np.array(losses)
