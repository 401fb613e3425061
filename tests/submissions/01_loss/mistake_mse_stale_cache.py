"""Computes the difference only on the first call, so backward stays stuck on the first batch."""
# lose: test_mse_state
# diagnosis: stale_cache
# %% mse_loss
class MSELoss:
    diff = None

    def forward(self, y, target):
        if self.diff is None:
            self.diff = y - target
        return float(np.mean((y - target) ** 2))

    def backward(self):
        return 2 * self.diff / self.diff.size
