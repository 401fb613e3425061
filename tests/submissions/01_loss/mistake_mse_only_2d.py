"""Counts elements as rows x columns, which only works for 2-D batches."""
# lose: test_mse_any_shape
# diagnosis: error
# %% mse_loss
class MSELoss:
    def forward(self, y, target):
        self.diff = y - target
        self.count = y.shape[0] * y.shape[1]
        return float(np.sum(self.diff ** 2) / self.count)

    def backward(self):
        return 2 * self.diff / self.count
