"""Figures used across the course. Each function draws on `ax` (or a new figure) and returns ax."""
import matplotlib.pyplot as plt
from matplotlib.collections import PatchCollection
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


# --- 02_activations: an element-wise function and its derivative -------------------------------

def plot_activation(f, df, ax=None, name="f", x_range=(-4.0, 4.0), marked_x=None, reference=None):
    """Draw y = f(x) (solid) and its derivative f'(x) (dashed) on one axis.

    f, df:     callables mapping a 1-D float64 array to an array of the same shape, for example
               numpy/torch functions or functions built from an activation layer's forward/backward.
    marked_x:  a point where f gets a dot and its tangent line (slope df(marked_x)).
    reference: optional (f_ref, df_ref) pair drawn as thin dotted black curves to compare against.
    """
    ax = ax or plt.subplots(figsize=(5, 3.5))[1]
    xs = np.linspace(x_range[0], x_range[1], 401)
    ys = np.asarray(f(xs.copy()), dtype=np.float64).reshape(xs.shape)
    slopes = np.asarray(df(xs.copy()), dtype=np.float64).reshape(xs.shape)
    ax.plot(xs, ys, color="tab:blue", lw=2, label=f"{name}(x)")
    ax.plot(xs, slopes, "--", color="tab:orange", lw=2, label=f"{name}'(x)")
    if reference is not None:
        f_ref, df_ref = reference
        ax.plot(xs, np.asarray(f_ref(xs.copy()), dtype=np.float64).reshape(xs.shape), "k:", lw=1,
                label="reference")
        ax.plot(xs, np.asarray(df_ref(xs.copy()), dtype=np.float64).reshape(xs.shape), "k:", lw=1)
    if marked_x is not None:
        point = np.array([float(marked_x)])
        y0 = float(np.asarray(f(point.copy()), dtype=np.float64).reshape(-1)[0])
        slope = float(np.asarray(df(point.copy()), dtype=np.float64).reshape(-1)[0])
        half = 0.15 * (x_range[1] - x_range[0])
        tangent_x = np.array([marked_x - half, marked_x + half])
        ax.plot(tangent_x, y0 + slope * (tangent_x - marked_x), color="tab:red", lw=1.5,
                label=f"tangent, slope {slope:.4g}")
        ax.plot([marked_x], [y0], "o", color="tab:red", ms=7)
        ax.plot([marked_x], [slope], "s", color="tab:orange", ms=7, mec="k")
    ax.axhline(0, color="gray", lw=0.5)
    ax.axvline(0, color="gray", lw=0.5)
    ax.set(xlabel="x", xlim=x_range, title=name)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return ax


# --- 03_linear_layer: the shapes of a linear layer, and gradients as sums over the batch --------

_LINEAR_COLORS = {"x": "tab:blue", "W": "tab:orange", "b": "tab:green", "y": "tab:purple"}


def _draw_block(ax, squares, left, top, name, rows, cols, color, shape_text, ghost_rows=0, fill_text=None):
    """A rows x cols grid of unit squares, top-left corner at (left, top); `ghost_rows` faded rows below.
    The squares are appended to `squares`, drawn later as one collection (one patch each is slow)."""
    for r in range(rows + ghost_rows):
        faded = r >= rows
        for c in range(cols):
            squares.append(plt.Rectangle((left + c, top - r - 1), 1, 1, facecolor=color,
                                         alpha=0.15 if faded else 0.6, lw=1,
                                         edgecolor=color if faded else "white", ls=":" if faded else "-"))
            if fill_text and not faded:
                ax.text(left + c + 0.5, top - r - 0.5, fill_text, ha="center", va="center", fontsize=8)
    ax.text(left + cols / 2, top + 0.3, name, ha="center", va="bottom", fontsize=11, fontweight="bold")
    ax.text(left + cols / 2, top - rows - ghost_rows - 0.3, shape_text, ha="center", va="top", fontsize=8)
    return left + cols


def plot_linear_shapes(n=4, in_features=3, out_features=2):
    """Draw the forward and backward equations of a linear layer with every array to scale.

    One square per number: a block of r x c squares is an array of shape (r, c). Each gradient has
    the colour of the array it belongs to, because it has exactly that array's shape. The bias
    gradient is drawn as a row of ones times dy: summing the rows of dy is that product.
    Returns the figure.
    """
    n, i, o = int(n), int(in_features), int(out_features)
    c = _LINEAR_COLORS
    rows = [
        ("forward", [("y", n, o, c["y"], f"(n, out)\n({n}, {o})"), "=",
                     ("x", n, i, c["x"], f"(n, in)\n({n}, {i})"), "@",
                     ("Wᵀ", i, o, c["W"], f"(in, out)\n({i}, {o})"), "+",
                     ("b", 1, o, c["b"], f"(out,) = ({o},)\nadded to each row", n - 1)]),
        ("input\ngradient", [("dx", n, i, c["x"], f"(n, in)\n({n}, {i})"), "=",
                             ("dy", n, o, c["y"], f"(n, out)\n({n}, {o})"), "@",
                             ("W", o, i, c["W"], f"(out, in)\n({o}, {i})")]),
        ("weight\ngradient", [("dW", o, i, c["W"], f"(out, in)\n({o}, {i})"), "=",
                              ("dyᵀ", o, n, c["y"], f"(out, n)\n({o}, {n})"), "@",
                              ("x", n, i, c["x"], f"(n, in)\n({n}, {i})")]),
        ("bias\ngradient", [("db", 1, o, c["b"], f"(out,) = ({o},)"), "=",
                            ("ones", 1, n, "0.75", f"(n,) = ({n},)\nsums the rows", 0, "1"), "@",
                            ("dy", n, o, c["y"], f"(n, out)\n({n}, {o})")]),
    ]
    fig, ax = plt.subplots(figsize=(8, 1))
    top, widest, squares = 0.0, 0.0, []
    for label, items in rows:
        height = max(item[1] + (item[5] if len(item) > 5 else 0) for item in items if not isinstance(item, str))
        left = 0.0
        for item in items:
            if isinstance(item, str):
                ax.text(left + 0.8, top - min(height, 3) / 2, item, ha="center", va="center", fontsize=14)
                left += 1.6
            else:
                name, r, cols, color, text, *extra = item
                left = _draw_block(ax, squares, left, top, name, r, cols, color, text, *extra)
        ax.text(-0.8, top - min(height, 3) / 2, label, ha="right", va="center", fontsize=10, style="italic")
        widest = max(widest, left)
        top -= height + 3.2
    ax.add_collection(PatchCollection(squares, match_original=True))
    ax.set_xlim(-5, max(widest, 18) + 0.5)
    ax.set_ylim(top + 1, 2)
    ax.set_aspect("equal")
    ax.axis("off")
    width_units, height_units = max(widest, 18) + 5.5, 1 - top
    fig.set_size_inches(min(10, 0.42 * width_units), 0.42 * height_units * min(10, 0.42 * width_units) / (0.42 * width_units))
    ax.set_title(f"n = {n} examples, in = {i} inputs, out = {o} outputs  (one square per number)", fontsize=10)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.95)  # cheaper than tight_layout
    return fig


def plot_sum_of_terms(rows, title=None):
    """Heatmaps of  term_1 + term_2 + ... = total  for one or more equations, one equation per row.

    rows:  list of (name, terms, total); terms is a list of arrays (one per example of a batch),
           total an array of the same shape. 1-D arrays are drawn as a column. The colour scale is
           shared within a row; numbers are written in the squares when arrays are small.
    Each row's title says whether the terms really add up to the total.
    """
    def as_2d(a):
        a = np.asarray(a, dtype=np.float64)
        return a.reshape(-1, 1) if a.ndim == 1 else a

    width = max(len(terms) + 1 for _, terms, _ in rows)
    shapes = [as_2d(total).shape for _, _, total in rows] + [as_2d(t).shape for _, terms, _ in rows for t in terms]
    big_rows, big_cols = max(s[0] for s in shapes), max(s[1] for s in shapes)
    fig, axes = plt.subplots(len(rows), width, figsize=(2.1 * width, 2.3 * len(rows)), squeeze=False)
    for ax_row, (name, terms, total) in zip(axes, rows):
        pictures = [as_2d(t) for t in terms] + [as_2d(total)]
        scale = max(max(np.max(np.abs(p)) for p in pictures), 1e-12)
        adds_up = (all(p.shape == pictures[-1].shape for p in pictures)
                   and np.allclose(np.sum(pictures[:-1], axis=0), pictures[-1]))
        for k, (ax, picture) in enumerate(zip(ax_row, pictures)):
            ax.imshow(picture, cmap="RdBu_r", vmin=-scale, vmax=scale)
            # the same square size everywhere: pad every picture to the largest one, centred
            pad_c, pad_r = (big_cols - picture.shape[1]) / 2, (big_rows - picture.shape[0]) / 2
            ax.set_xlim(-0.5 - pad_c, picture.shape[1] - 0.5 + pad_c)
            ax.set_ylim(picture.shape[0] - 0.5 + pad_r, -0.5 - pad_r)
            for spine in ax.spines.values():
                spine.set_visible(False)
            ax.add_patch(plt.Rectangle((-0.5, -0.5), picture.shape[1], picture.shape[0], fill=False, lw=1))
            if picture.size <= 40:
                for (r, col), value in np.ndenumerate(picture):
                    ax.text(col, r, f"{value:.2f}", ha="center", va="center", fontsize=7)
            last = k == len(pictures) - 1
            ax.set_title(f"{name}, whole batch" if last else f"example {k + 1}", fontsize=9,
                         color=("tab:green" if adds_up else "tab:red") if last else "black")
            ax.set_xticks([])
            ax.set_yticks([])
            if not last:
                ax.text(1.12, 0.5, "=" if k == len(pictures) - 2 else "+", transform=ax.transAxes,
                        ha="center", va="center", fontsize=18)
        for ax in ax_row[len(pictures):]:
            ax.axis("off")
        ax_row[0].set_ylabel("adds up" if adds_up else "does NOT add up", fontsize=9,
                             color="tab:green" if adds_up else "tab:red")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.subplots_adjust(left=0.04, right=0.98, bottom=0.02, top=0.86 if title else 0.92, wspace=0.35, hspace=0.3)
    return fig


# --- 04_mlp: gradient-check bars and image grids -------------------------------------------------

def plot_relative_errors(errors, ax=None, tolerance=1e-6, title="Gradient check"):
    """Log-scale bars of relative errors: one group per gradient, one bar per reference.

    errors: {gradient name: {reference name: relative error}}, for example
            {"fc1.W": {"finite differences": 3e-10, "autograd": 2e-16}, ...}.
    A dashed line marks `tolerance`: bars below it mean "the same up to rounding".
    """
    names = list(errors)
    references = list(dict.fromkeys(ref for per_name in errors.values() for ref in per_name))
    ax = ax or plt.subplots(figsize=(max(5.0, 0.8 * len(names) + 2.0), 3.5))[1]
    floor = 1e-18  # an exact zero cannot be drawn on a log axis
    width = 0.8 / max(len(references), 1)
    positions = np.arange(len(names))
    for i, reference in enumerate(references):
        values = [max(float(errors[name].get(reference, np.nan)), floor) for name in names]
        ax.bar(positions + (i - (len(references) - 1) / 2) * width, values, width,
               bottom=floor, label=reference)
    ax.axhline(tolerance, ls="--", color="k", lw=1, label=f"tolerance {tolerance:.0e}")
    ax.set_yscale("log")
    ax.set_xticks(positions)
    ax.set_xticklabels(names, rotation=30 if len(names) > 6 else 0)
    ax.set(ylabel="relative error", title=title, ylim=(floor, 1.0))
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    return ax


def plot_image_grid(images, titles=None, ncols=8, symmetric=False, size=1.3, suptitle=None):
    """Show a stack of 2-D images (k, h, w) as one tiled picture; returns the figure.

    symmetric=True uses a red-blue colour map centred on 0 (for gradients or weights);
    otherwise images are drawn in grey levels. One axes for all tiles keeps it fast.
    """
    images = np.asarray(images, dtype=np.float64)
    count, height, width = images.shape
    ncols = max(1, min(ncols, count))
    nrows = int(np.ceil(count / ncols))
    gap = max(1, height // 8)
    band = height // 3 if titles is not None else 0          # room for a tile's title above it
    cell_h, cell_w = band + height + gap, width + gap
    tiles = np.full((nrows * cell_h - gap, ncols * cell_w - gap), np.nan)
    for k in range(count):
        row, col = divmod(k, ncols)
        top, left = row * cell_h + band, col * cell_w
        tiles[top:top + height, left:left + width] = images[k]
    fig, ax = plt.subplots(figsize=(size * ncols, size * nrows * cell_h / cell_w + (0.3 if suptitle else 0.0)))
    if symmetric:
        limit = float(np.nanmax(np.abs(tiles))) or 1.0
        ax.imshow(tiles, cmap="RdBu_r", vmin=-limit, vmax=limit)
    else:
        ax.imshow(tiles, cmap="gray_r")
    if titles is not None:
        for k in range(count):
            row, col = divmod(k, ncols)
            ax.text(col * cell_w + width / 2, row * cell_h + band * 0.8, str(titles[k]),
                    ha="center", va="bottom", fontsize=8)
    ax.set_axis_off()
    if suptitle:
        ax.set_title(suptitle, fontsize=10)
    fig.tight_layout()
    return fig


def plot_network(layer_sizes, unit_labels=None, layer_labels=None, edge_labels=None, ax=None, title=None):
    """Draw a fully connected network as circles (units) joined by lines (weights).

    layer_sizes: units per column, input first, e.g. [2, 3, 2, 1].
    unit_labels: optional list (one per column) of lists of strings written inside the units.
    layer_labels: optional list of strings written under each column.
    edge_labels: optional list (one per pair of neighbouring columns) of strings written above the
    lines between them (e.g. the weight matrix and its shape). Returns the axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(1.9 * len(layer_sizes) + 1.0, 0.9 * max(layer_sizes) + 1.6))
    tallest = max(layer_sizes)
    centres = [[(2.0 * column, (size - 1) / 2.0 - row) for row in range(size)]
               for column, size in enumerate(layer_sizes)]
    radius = 0.32
    for column in range(len(layer_sizes) - 1):
        for x0, y0 in centres[column]:
            for x1, y1 in centres[column + 1]:
                ax.plot([x0 + radius, x1 - radius], [y0, y1], color="0.6", lw=0.9, zorder=1)
        if edge_labels and edge_labels[column]:
            ax.text(2.0 * column + 1.0, tallest / 2.0 + 0.05, edge_labels[column], ha="center", va="bottom",
                    fontsize=9, color="0.25")
    colors = plt.cm.Pastel1.colors
    for column, units in enumerate(centres):
        for row, (x0, y0) in enumerate(units):
            ax.add_patch(plt.Circle((x0, y0), radius, facecolor=colors[column % len(colors)],
                                    edgecolor="0.2", lw=1.0, zorder=2))
            if unit_labels and unit_labels[column]:
                ax.text(x0, y0, unit_labels[column][row], ha="center", va="center", fontsize=8, zorder=3)
        if layer_labels and layer_labels[column]:
            ax.text(2.0 * column, -tallest / 2.0 - 0.05, layer_labels[column], ha="center", va="top", fontsize=9)
    ax.set_xlim(-0.8, 2.0 * (len(layer_sizes) - 1) + 0.8)
    ax.set_ylim(-tallest / 2.0 - 0.9, tallest / 2.0 + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax
