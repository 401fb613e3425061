"""Element-by-element loops over flat copies with the math module, reshaped back at the end,
as a student new to NumPy would write; tanh from its exponential definition."""
# %% tanh_layer
import math

class Tanh:
    def forward(self, x):
        flat = np.array(x, dtype=float).ravel()
        out = np.zeros(flat.size)
        for i in range(flat.size):
            a, b = math.exp(flat[i]), math.exp(-flat[i])
            out[i] = (a - b) / (a + b)
        self.out = out.reshape(np.shape(x))
        return self.out

    def backward(self, dy):
        flat_y, flat_dy = self.out.ravel(), np.ravel(dy)
        dx = np.zeros(flat_y.size)
        for i in range(flat_y.size):
            dx[i] = flat_dy[i] * (1 - flat_y[i] ** 2)
        return dx.reshape(self.out.shape)

# %% sigmoid_layer
import math

class Sigmoid:
    def forward(self, x):
        self.shape = np.shape(x)
        self.values = [1 / (1 + math.exp(-v)) for v in np.ravel(x)]
        return np.array(self.values).reshape(self.shape)

    def backward(self, dy):
        grads = [g * s * (1 - s) for g, s in zip(np.ravel(dy), self.values)]
        return np.array(grads).reshape(self.shape)

# %% relu_layer
class ReLU:
    def forward(self, x):
        self.x = x.copy()
        y = x.copy()
        for index in np.ndindex(y.shape):
            if y[index] < 0:
                y[index] = 0
        return y

    def backward(self, dy):
        dx = np.zeros(self.x.shape)
        for index in np.ndindex(self.x.shape):
            if self.x[index] > 0:
                dx[index] = dy[index]
        return dx
