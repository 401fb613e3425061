"""A stub that returns each function's value and slope at x = 0 everywhere, ignoring its input:
forward gives f(0) (tanh 0, sigmoid 0.5, ReLU 0) and backward the constant f'(0) (1, 0.25, 0),
both in the right shape. Input-independent, so 0 on every autograded cell."""
# lose: test_tanh_forward test_tanh_backward test_tanh_any_shape test_tanh_state test_sigmoid_forward test_sigmoid_backward test_sigmoid_any_shape test_sigmoid_saturation test_sigmoid_state test_relu_forward test_relu_backward test_relu_any_shape test_relu_at_zero test_relu_state
# diagnosis: constant
# %% tanh_layer
class Tanh:
    def forward(self, x):
        return np.full(np.shape(x), 0.0)

    def backward(self, dy):
        return np.full(np.shape(dy), 1.0)
# %% sigmoid_layer
class Sigmoid:
    def forward(self, x):
        return np.full(np.shape(x), 0.5)

    def backward(self, dy):
        return np.full(np.shape(dy), 0.25)
# %% relu_layer
class ReLU:
    def forward(self, x):
        return np.full(np.shape(x), 0.0)

    def backward(self, dy):
        return np.full(np.shape(dy), 0.0)
