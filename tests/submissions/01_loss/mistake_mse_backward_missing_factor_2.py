"""Forgets the 2 from the power rule in backward: dL/dy = (y - t) / N."""
# lose: test_mse_backward test_mse_any_shape
# diagnosis: constant_factor
# %% mse_loss
class MSELoss:
    def forward(self, y, target):
        self.diff = y - target
        return float(np.mean(self.diff ** 2))

    def backward(self):
        return self.diff / self.diff.size
