"""Writes dL/dz = y - y_hat (the sign of the fused BCE gradient flipped) and propagates it
consistently: every gradient below the loss has the wrong sign."""
# lose: test_table_backward
# diagnosis: wrong_sign
# %% backward_table
backward_table = {
    "dL_dy_hat": 2.284,
    "dL_dz3": 0.5622,
    "dL_da2": [1.124, -0.5622],
    "dL_dz2": [0, -0.5622],
    "dL_da1": [-0.2811, -0.5622, -0.2811],
    "dL_dz1": [-0.2811, 0, -0.2811],
    "fc3.weight": [[0, 0.2811]],
    "fc3.bias": [0.5622],
    "fc2.weight": [[0, 0, 0], [-0.8433, 0, -0.8433]],
    "fc2.bias": [0, -0.5622],
    "fc1.weight": [[-0.5622, 0.2811], [0, 0], [-0.5622, 0.2811]],
    "fc1.bias": [-0.2811, 0, -0.2811],
}
