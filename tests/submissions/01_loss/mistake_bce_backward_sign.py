"""Drops the leading minus of the loss when differentiating: (t - p) / (p (1 - p)) / N."""
# lose: test_bce_backward test_bce_any_shape test_bce_extremes
# diagnosis: wrong_sign
# %% bce_loss
class BCELoss:
    def forward(self, p, target):
        self.p, self.t = p, target
        return float(-np.mean(target * np.log(p) + (1 - target) * np.log(1 - p)))

    def backward(self):
        return (self.t - self.p) / (self.p * (1 - self.p)) / self.p.size
