"""Correct forward passes, but every backward is a placeholder returning zeros shaped like dy
(the student stopped after forward). Keeps the forward cells, loses every cell that checks a
backward pass, the state cells included."""
# lose: test_tanh_backward test_tanh_any_shape test_tanh_state test_sigmoid_backward test_sigmoid_any_shape test_sigmoid_saturation test_sigmoid_state test_relu_backward test_relu_any_shape test_relu_at_zero test_relu_state
# diagnosis: zeros
# %% tanh_layer
class Tanh:
    def forward(self, x):
        self.y = np.tanh(x)
        return self.y

    def backward(self, dy):
        return np.zeros_like(dy)
# %% sigmoid_layer
class Sigmoid:
    def forward(self, x):
        self.y = 1 / (1 + np.exp(-x))
        return self.y

    def backward(self, dy):
        return np.zeros_like(dy)
# %% relu_layer
class ReLU:
    def forward(self, x):
        return np.maximum(x, 0)

    def backward(self, dy):
        return np.zeros_like(dy)
