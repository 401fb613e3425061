"""Saves memory with an in-place subtraction, which overwrites the caller's y (and so breaks
the visible gradient check, which reuses y)."""
# lose: test_mse_backward test_mse_state
# diagnosis: modified_input
# %% mse_loss
class MSELoss:
    def forward(self, y, target):
        y -= target
        self.diff = y
        return float(np.mean(self.diff ** 2))

    def backward(self):
        return 2 * self.diff / self.diff.size
