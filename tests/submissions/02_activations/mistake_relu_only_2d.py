"""Loops over rows and columns, so it only works for 2-D batches (not vectors or 3-D arrays)."""
# lose: test_relu_any_shape
# diagnosis: error
# %% relu_layer
class ReLU:
    def forward(self, x):
        self.x = x
        y = np.zeros(x.shape)
        for i in range(x.shape[0]):
            for j in range(x.shape[1]):
                y[i, j] = max(x[i, j], 0.0)
        return y

    def backward(self, dy):
        dx = np.zeros(self.x.shape)
        for i in range(self.x.shape[0]):
            for j in range(self.x.shape[1]):
                if self.x[i, j] > 0:
                    dx[i, j] = dy[i, j]
        return dx
