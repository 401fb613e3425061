"""Returns the famous (p - t) / N, which is the gradient with respect to the logit, not p."""
# lose: test_bce_backward test_bce_any_shape test_bce_extremes
# diagnosis: wrong_value
# %% bce_loss
class BCELoss:
    def forward(self, p, target):
        self.p, self.t = p, target
        return float(-np.mean(target * np.log(p) + (1 - target) * np.log(1 - p)))

    def backward(self):
        return (self.p - self.t) / self.p.size
