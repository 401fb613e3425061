"""A placeholder that computes nothing: every forward and every backward returns zeros of the right
shape (what a student hands in to "make the cells run"). It must score 0 on every autograded cell,
including the state cells, whose "x unchanged" and "same answer as a fresh object" checks such code
meets trivially."""
# lose: test_tanh_forward test_tanh_backward test_tanh_any_shape test_tanh_state test_sigmoid_forward test_sigmoid_backward test_sigmoid_any_shape test_sigmoid_saturation test_sigmoid_state test_relu_forward test_relu_backward test_relu_any_shape test_relu_at_zero test_relu_state
# diagnosis: zeros
# %% tanh_layer
class Tanh:
    def forward(self, x):
        return np.zeros_like(x)

    def backward(self, dy):
        return np.zeros_like(dy)
# %% sigmoid_layer
class Sigmoid:
    def forward(self, x):
        return np.zeros_like(x)

    def backward(self, dy):
        return np.zeros_like(dy)
# %% relu_layer
class ReLU:
    def forward(self, x):
        return np.zeros_like(x)

    def backward(self, dy):
        return np.zeros_like(dy)
