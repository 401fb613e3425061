"""Sums the squared errors instead of averaging them, in forward and backward."""
# lose: test_mse_forward test_mse_backward test_mse_any_shape
# diagnosis: sum_not_mean
# %% mse_loss
class MSELoss:
    def forward(self, y, target):
        self.diff = y - target
        return float(np.sum(self.diff ** 2))

    def backward(self):
        return 2 * self.diff
