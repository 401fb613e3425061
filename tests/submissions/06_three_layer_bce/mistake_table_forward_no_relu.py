"""Forgets the ReLU on the negative unit of the first hidden layer (h2 = z2) and carries the
error through the rest of the forward table."""
# lose: test_table_forward
# diagnosis: wrong_value
# %% forward_table
forward_table = {"z1": [1.5, -2.5, 1.5], "a1": [1.5, -2.5, 1.5], "z2": [-6.0, -2.0], "a2": [0.0, 0.0],
                 "z3": 0.25, "y_hat": 0.5622, "loss": 0.5759}
