"""Adds 1e-3 inside the logarithms to avoid log(0), which biases every value."""
# lose: test_bce_forward test_bce_backward test_bce_any_shape test_bce_extremes
# diagnosis: wrong_value
# %% bce_loss
class BCELoss:
    def forward(self, p, target):
        self.p, self.t = p, target
        eps = 1e-3
        return float(-np.mean(target * np.log(p + eps) + (1 - target) * np.log(1 - p + eps)))

    def backward(self):
        eps = 1e-3
        return (-self.t / (self.p + eps) + (1 - self.t) / (1 - self.p + eps)) / self.p.size
