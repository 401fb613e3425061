"""Only keeps the t log p term, ignoring what happens when the target is 0."""
# lose: test_bce_forward test_bce_backward test_bce_any_shape test_bce_extremes
# diagnosis: missing_term
# %% bce_loss
class BCELoss:
    def forward(self, p, target):
        self.p, self.t = p, target
        return float(-np.mean(target * np.log(p)))

    def backward(self):
        return -self.t / self.p / self.p.size
