"""Identity layers: forward returns (a copy of) x and backward passes dy through unchanged, as if
every activation were f(x) = x. Shapes are right and nothing is modified, but nothing is computed:
it must score 0 on every autograded cell (for ReLU, x > 0 agrees with the identity, so the tests
must see negative inputs)."""
# lose: test_tanh_forward test_tanh_backward test_tanh_any_shape test_tanh_state test_sigmoid_forward test_sigmoid_backward test_sigmoid_any_shape test_sigmoid_saturation test_sigmoid_state test_relu_forward test_relu_backward test_relu_any_shape test_relu_at_zero test_relu_state
# diagnosis: returns_input
# %% tanh_layer
class Tanh:
    def forward(self, x):
        return x.copy()

    def backward(self, dy):
        return dy.copy()
# %% sigmoid_layer
class Sigmoid:
    def forward(self, x):
        return x.copy()

    def backward(self, dy):
        return dy.copy()
# %% relu_layer
class ReLU:
    def forward(self, x):
        return x.copy()

    def backward(self, dy):
        return dy.copy()
