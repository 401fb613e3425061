"""Stores p and target in the constructor's slots only once, so backward ignores later batches."""
# lose: test_bce_state
# diagnosis: stale_cache
# %% bce_loss
class BCELoss:
    def __init__(self):
        self.p = None

    def forward(self, p, target):
        if self.p is None:
            self.p, self.t = p.copy(), target.copy()
        return float(-np.mean(target * np.log(p) + (1 - target) * np.log(1 - p)))

    def backward(self):
        return (self.p - self.t) / (self.p * (1 - self.p)) / self.p.size
