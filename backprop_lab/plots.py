"""Figures used across the course. Each function draws on `ax` (or a new figure) and returns ax."""
import matplotlib.pyplot as plt
import numpy as np

MACHINE_EPSILON = np.finfo(np.float64).eps


def finite_difference_errors(f, df, x0, eps_values):
    """Absolute errors of the forward and the centered difference of f at x0, for each step.

    Returns two arrays shaped like eps_values: |forward - f'(x0)| and |centered - f'(x0)|.
    """
    eps_values = np.asarray(eps_values, dtype=np.float64)
    exact = df(x0)
    forward = (f(x0 + eps_values) - f(x0)) / eps_values
    centered = (f(x0 + eps_values) - f(x0 - eps_values)) / (2 * eps_values)
    return np.abs(forward - exact), np.abs(centered - exact)


def plot_epsilon_error(f, df, x0, ax=None, marked_eps=None):
    """Log-log plot of finite-difference error against the step eps: truncation vs round-off."""
    ax = ax or plt.subplots(figsize=(6.5, 4))[1]
    eps_values = np.logspace(-15, -1, 141)
    forward, centered = finite_difference_errors(f, df, x0, eps_values)
    tiny = 1e-18  # an exact zero cannot be drawn on a log axis
    ax.loglog(eps_values, forward + tiny, label="forward  (f(x+h) - f(x)) / h", color="tab:orange")
    ax.loglog(eps_values, centered + tiny, label="centered (f(x+h) - f(x-h)) / 2h", color="tab:blue")
    ax.loglog(eps_values, MACHINE_EPSILON * abs(f(x0)) / eps_values, "k:", lw=1,
              label="round-off ~ machine eps / h")
    if marked_eps is not None:
        _, error = finite_difference_errors(f, df, x0, [marked_eps])
        ax.plot([marked_eps], [error[0] + tiny], "o", color="tab:red", ms=9, label=f"h = {marked_eps:.1e}")
    ax.set(xlabel="step h", ylabel="|numerical - exact derivative|", ylim=(1e-17, 1e1),
           title=f"Error of a finite difference at x = {x0:g}")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_loss_curve(losses, ax=None, title="Training loss"):
    """Loss against epoch (log scale when every loss is positive)."""
    losses = np.asarray(losses, dtype=np.float64)
    ax = ax or plt.subplots(figsize=(6, 3.5))[1]
    ax.plot(np.arange(len(losses)), losses, color="tab:blue")
    if losses.size and np.all(losses > 0):
        ax.set_yscale("log")
    ax.set(xlabel="epoch", ylabel="loss", title=title)
    ax.grid(True, alpha=0.3)
    return ax


def plot_decision_boundary(predict, x, y, ax=None, resolution=200, padding=0.75):
    """Shade a 2-D plane by the model's output and draw the labelled points on top.

    predict: maps an (m, 2) array of points to m outputs in [0, 1] (shape (m,) or (m, 1)).
    x: (n, 2) points; y: n labels (0 or 1), any shape with n elements.
    """
    x = np.asarray(x, dtype=np.float64)
    labels = np.asarray(y).reshape(-1)
    ax = ax or plt.subplots(figsize=(4.5, 4.5))[1]
    low, high = x.min(axis=0) - padding, x.max(axis=0) + padding
    grid_x, grid_y = np.meshgrid(np.linspace(low[0], high[0], resolution),
                                 np.linspace(low[1], high[1], resolution))
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    output = np.asarray(predict(grid), dtype=np.float64).reshape(grid_x.shape)
    shading = ax.contourf(grid_x, grid_y, output, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
    ax.contour(grid_x, grid_y, output, levels=[0.5], colors="k", linewidths=1.5)
    for label, marker in [(0, "o"), (1, "s")]:
        chosen = labels == label
        ax.scatter(x[chosen, 0], x[chosen, 1], marker=marker, s=80, edgecolor="k",
                   color="tab:red" if label else "tab:blue", label=f"label {label}")
    ax.figure.colorbar(shading, ax=ax, fraction=0.046, pad=0.04, label="model output")
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title="Decision boundary (output = 0.5)", aspect="equal")
    ax.legend(loc="upper right", fontsize=8)
    return ax
