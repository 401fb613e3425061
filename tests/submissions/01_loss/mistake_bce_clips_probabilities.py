"""Clips p to [1e-4, 1 - 1e-4] "for stability", which changes the loss near 0 and 1."""
# lose: test_bce_extremes
# diagnosis: wrong_value
# %% bce_loss
class BCELoss:
    def forward(self, p, target):
        self.p, self.t = np.clip(p, 1e-4, 1 - 1e-4), target
        return float(-np.mean(target * np.log(self.p) + (1 - target) * np.log(1 - self.p)))

    def backward(self):
        return (self.p - self.t) / (self.p * (1 - self.p)) / self.p.size
