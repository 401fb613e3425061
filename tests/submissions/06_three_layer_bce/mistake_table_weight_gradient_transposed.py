"""Writes dL/dW1 as the outer product x dz2^T, shape (in, out) = (2, 3), instead of dz2 x^T
with the weight's shape (3, 2)."""
# lose: test_table_backward
# diagnosis: transposed
# %% backward_table
backward_table = {
    "dL_dy_hat": -2.284,
    "dL_dz3": -0.5622,
    "dL_da2": [-1.124, 0.5622],
    "dL_dz2": [0, 0.5622],
    "dL_da1": [0.2811, 0.5622, 0.2811],
    "dL_dz1": [0.2811, 0, 0.2811],
    "fc3.weight": [[0, -0.2811]],
    "fc3.bias": [-0.5622],
    "fc2.weight": [[0, 0, 0], [0.8433, 0, 0.8433]],
    "fc2.bias": [0, 0.5622],
    "fc1.weight": [[0.5622, 0, 0.5622], [-0.2811, 0, -0.2811]],
    "fc1.bias": [0.2811, 0, 0.2811],
}
