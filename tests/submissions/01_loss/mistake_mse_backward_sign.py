"""Differentiates (t - y)^2 and forgets the inner derivative's minus sign: 2 (t - y) / N."""
# lose: test_mse_backward test_mse_any_shape
# diagnosis: wrong_sign
# %% mse_loss
class MSELoss:
    def forward(self, y, target):
        self.y, self.target = y, target
        return float(np.mean((target - y) ** 2))

    def backward(self):
        return 2 * (self.target - self.y) / self.y.size
