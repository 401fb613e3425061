"""Sums the cross-entropy terms instead of averaging them."""
# lose: test_bce_forward test_bce_backward test_bce_any_shape test_bce_extremes
# diagnosis: sum_not_mean
# %% bce_loss
class BCELoss:
    def forward(self, p, target):
        self.p, self.t = p, target
        return float(-np.sum(target * np.log(p) + (1 - target) * np.log(1 - p)))

    def backward(self):
        return (self.p - self.t) / (self.p * (1 - self.p))
