"""Returns the local derivative f'(x) and forgets to multiply by the upstream gradient dy
(it would pass a check with dy = all ones)."""
# lose: test_tanh_backward test_tanh_any_shape test_tanh_state
# diagnosis: ignores_upstream
# %% tanh_layer
class Tanh:
    def forward(self, x):
        self.y = np.tanh(x)
        return self.y

    def backward(self, dy):
        return 1 - self.y ** 2
