"""Saves memory by computing tanh in place (out=x), which overwrites the caller's x."""
# lose: test_tanh_state
# diagnosis: modified_input
# %% tanh_layer
class Tanh:
    def forward(self, x):
        self.y = np.tanh(x, out=x)
        return self.y

    def backward(self, dy):
        return dy * (1 - self.y ** 2)
