"""Element-by-element Python loops over flattened copies, as a student new to NumPy would write."""
# %% mse_loss
class MSELoss:
    def forward(self, y, target):
        self.shape = y.shape
        self.y = y.flatten()
        self.t = target.flatten()
        total = 0.0
        for i in range(len(self.y)):
            total += (self.y[i] - self.t[i]) ** 2
        return total / len(self.y)

    def backward(self):
        grad = np.zeros(len(self.y))
        for i in range(len(self.y)):
            grad[i] = 2 * (self.y[i] - self.t[i]) / len(self.y)
        return grad.reshape(self.shape)

# %% bce_loss
import math

class BCELoss:
    def forward(self, p, target):
        self.shape = p.shape
        self.p = list(p.ravel())
        self.t = list(target.ravel())
        total = 0.0
        for p_i, t_i in zip(self.p, self.t):
            total -= t_i * math.log(p_i) + (1 - t_i) * math.log(1 - p_i)
        return total / len(self.p)

    def backward(self):
        n = len(self.p)
        grad = [(p_i - t_i) / (p_i * (1 - p_i)) / n for p_i, t_i in zip(self.p, self.t)]
        return np.array(grad).reshape(self.shape)
