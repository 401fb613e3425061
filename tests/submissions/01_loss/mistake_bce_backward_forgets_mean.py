"""Averages in forward but forgets the 1/N in backward."""
# lose: test_bce_backward test_bce_any_shape test_bce_extremes
# diagnosis: sum_not_mean
# %% bce_loss
class BCELoss:
    def forward(self, p, target):
        self.p, self.t = p, target
        return float(-np.mean(target * np.log(p) + (1 - target) * np.log(1 - p)))

    def backward(self):
        return (self.p - self.t) / (self.p * (1 - self.p))
