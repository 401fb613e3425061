"""Takes the mean over the batch axis only, returning one loss per column."""
# lose: test_mse_forward test_mse_backward test_mse_any_shape
# diagnosis: incomplete_reduction
# %% mse_loss
class MSELoss:
    def forward(self, y, target):
        self.diff = y - target
        return np.mean(self.diff ** 2, axis=0)

    def backward(self):
        return 2 * self.diff / len(self.diff)
