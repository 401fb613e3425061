"""Works on x.ravel() to make the maths one-dimensional and returns the flat arrays."""
# lose: test_tanh_forward test_tanh_backward test_tanh_any_shape test_tanh_state
# diagnosis: flattened
# %% tanh_layer
class Tanh:
    def forward(self, x):
        self.y = np.tanh(x.ravel())
        return self.y

    def backward(self, dy):
        return dy.ravel() * (1 - self.y ** 2)
