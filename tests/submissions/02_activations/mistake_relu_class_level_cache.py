"""Stores the mask on the class (ReLU.mask) instead of the object, so all ReLU layers share one cache."""
# lose: test_relu_state
# diagnosis: shared_cache
# %% relu_layer
class ReLU:
    mask = None

    def forward(self, x):
        ReLU.mask = x > 0
        return np.maximum(x, 0)

    def backward(self, dy):
        return dy * ReLU.mask
