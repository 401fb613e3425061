"""Interactive explorers built with ipywidgets. Each function returns a widget to display."""
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from .plots import finite_difference_errors, plot_epsilon_error

# name -> (f, f'); smooth functions whose exact derivative is known
SMOOTH_FUNCTIONS = {
    "sin(x)": (np.sin, np.cos),
    "exp(x)": (np.exp, np.exp),
    "x³": (lambda x: x**3, lambda x: 3 * x**2),
    "cos(x²)": (lambda x: np.cos(x**2), lambda x: -2 * x * np.sin(x**2)),
}


# Labels longer than a few letters need this: at the default width JupyterLab cuts them short.
FULL_LABEL = {"description_width": "initial"}


def _raised(error):
    """What the notebook's code raised, in one line: 'NotImplementedError' or 'ValueError: ...'."""
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def epsilon_explorer():
    """Choose a function, a point and a step h; see how the finite-difference error depends on h."""
    function = widgets.Dropdown(options=list(SMOOTH_FUNCTIONS), value="sin(x)", description="f")
    point = widgets.FloatSlider(value=1.0, min=-2.0, max=2.0, step=0.1, description="x")
    step = widgets.FloatLogSlider(value=1e-5, base=10, min=-14, max=-1, step=0.25, description="h",
                                  readout_format=".0e")
    readout = widgets.HTML()
    figure = widgets.Output()

    def redraw(_change=None):
        f, df = SMOOTH_FUNCTIONS[function.value]
        forward, centered = finite_difference_errors(f, df, point.value, [step.value])
        readout.value = (f"exact f'(x) = {df(point.value):.12f}<br>"
                         f"forward-difference error = {forward[0]:.2e}, "
                         f"centered-difference error = {centered[0]:.2e}")
        with figure:
            figure.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6.5, 4))
            plot_epsilon_error(f, df, point.value, ax=ax, marked_eps=step.value)
            display(fig)
            plt.close(fig)

    for control in (function, point, step):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([function, point, step]), readout, figure])


# --- 02_activations: explore an activation, its derivative and a gradient check ----------------

def activation_explorer(activations, reference=None, x_range=(-4.0, 4.0)):
    """Choose an activation and a point x; see f, f', the tangent at x and a centered-difference check.

    activations: dict name -> (f, df), callables mapping a 1-D float64 array to an array of the
                 same shape (for example built from a layer's forward and backward).
    reference:   optional dict name -> (f_ref, df_ref) with the same names, drawn for comparison
                 (for example PyTorch's functions and autograd derivatives).
    """
    from .plots import plot_activation

    names = list(activations)
    choice = widgets.Dropdown(options=names, value=names[0], description="activation")
    point = widgets.FloatSlider(value=0.5, min=x_range[0], max=x_range[1], step=0.05, description="x",
                                readout_format=".2f")
    step = widgets.FloatLogSlider(value=1e-5, base=10, min=-12, max=0, step=0.25, description="h",
                                  readout_format=".0e")
    readout = widgets.HTML()
    figure = widgets.Output()

    def redraw(_change=None):
        f, df = activations[choice.value]
        x0, h = float(point.value), float(step.value)
        at = lambda g, value: float(np.asarray(g(np.array([value])), dtype=np.float64).reshape(-1)[0])
        try:
            value, analytic = at(f, x0), at(df, x0)
            centered = (at(f, x0 + h) - at(f, x0 - h)) / (2 * h)
        except Exception as error:  # the layer is unfinished or raised: say so, keep the controls
            readout.value = (f"<b>{choice.value}</b> raised {_raised(error)}. Finish and test it above, "
                             "then run the cells that build this explorer again.")
            figure.clear_output()
            return
        scale = max(abs(analytic), abs(centered))
        error = abs(analytic - centered) / scale if scale > 0 else 0.0
        lines = [f"f({x0:.2f}) = {value:.10f}",
                 f"f'({x0:.2f}) from the derivative = {analytic:.10f}",
                 f"centered difference (f(x+h) - f(x-h)) / 2h = {centered:.10f}",
                 f"relative error = {error:.2e}"]
        ref = None
        if reference is not None and choice.value in reference:
            ref = reference[choice.value]
            lines.insert(2, f"f'({x0:.2f}) from the reference = {at(ref[1], x0):.10f}")
        readout.value = "<br>".join(lines)
        with figure:
            figure.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6.5, 4))
            plot_activation(f, df, ax=ax, name=choice.value, x_range=x_range, marked_x=x0, reference=ref)
            display(fig)
            plt.close(fig)

    for control in (choice, point, step):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([choice, point, step]), readout, figure])


# --- 03_linear_layer: shapes of a linear layer ---------------------------------------------------

def linear_shapes_explorer():
    """Sliders for n, in and out; redraws every array of a linear layer's forward and backward to scale."""
    from .plots import plot_linear_shapes

    sizes = {name: widgets.IntSlider(value=value, min=1, max=6, description=name)
             for name, value in [("n", 4), ("in", 3), ("out", 2)]}
    figure = widgets.Output()

    def redraw(_change=None):
        with figure:
            figure.clear_output(wait=True)
            fig = plot_linear_shapes(sizes["n"].value, sizes["in"].value, sizes["out"].value)
            display(fig)
            plt.close(fig)

    for slider in sizes.values():
        slider.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox(list(sizes.values())), figure])


# --- 04_mlp: how large the gradient of each layer is, as the network gets deeper -----------------

def layer_gradient_explorer(gradient_norms, max_depth=8):
    """Sliders for depth, width and weight scale; bars of each layer's weight-gradient norm.

    gradient_norms(depth, width, weight_scale) -> sequence of floats, the norm of dL/dW for
    layers 1, 2, ..., L (the caller builds the network and runs its own backpropagation).
    """
    depth = widgets.IntSlider(value=3, min=1, max=max_depth, description="hidden layers", style=FULL_LABEL)
    width = widgets.IntSlider(value=16, min=2, max=64, description="width", style=FULL_LABEL)
    scale = widgets.FloatLogSlider(value=1.0, base=10, min=-1, max=1, step=0.05, description="weight scale",
                                   style=FULL_LABEL)
    readout = widgets.HTML()
    figure = widgets.Output()

    def redraw(_change=None):
        try:
            norms = np.asarray(gradient_norms(depth.value, width.value, scale.value), dtype=np.float64)
        except Exception as error:  # the notebook's backpropagation is unfinished or raised
            readout.value = (f"computing the gradients raised {_raised(error)}. Finish and test your "
                             "backpropagation above, then move a slider again.")
            figure.clear_output()
            return
        layers = np.arange(1, len(norms) + 1)
        ratio = norms[0] / norms[-1] if norms[-1] > 0 else np.inf
        readout.value = (f"|dL/dW| of layer 1 / |dL/dW| of layer {len(norms)} = {ratio:.3g}")
        with figure:
            figure.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6.5, 3.2))
            ax.bar(layers, np.maximum(norms, 1e-30), color="tab:blue")
            ax.set_yscale("log")
            ax.set(xlabel="layer l", ylabel="norm of dL/dW[l]", xticks=layers,
                   title="Gradient size per layer (tanh network)")
            ax.grid(True, axis="y", alpha=0.3)
            plt.show()

    for control in (depth, width, scale):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([depth, width, scale]), readout, figure])


# --- 05_five_point_training: retrain a network and redraw its loss curve and decision boundary ---

def training_explorer(build_network, train, x, y, hidden_sizes=(5, 3), learning_rate=1.0, epochs=500,
                      init_scale=1.0, seed=0, autostart=True):
    """Controls for the hidden sizes, learning rate, epochs, initial weight scale and seed; every
    change (or the Train button) trains a fresh network and redraws its loss curve and decision
    boundary. With autostart=False nothing is trained until the first click or change.

    build_network(hidden_sizes, init_scale, seed) -> a fresh network; its forward(points) maps an
                  (m, 2) array of points to outputs in [0, 1] of shape (m, 1) or (m,);
    train(x, y, net, epochs, lr) -> (net, losses), a 1-D sequence of losses;
    x: (n, 2) points, y: their labels (n, 1).
    Both functions come from the notebook: this module trains nothing by itself.
    """
    import time

    from .plots import plot_decision_boundary, plot_loss_curve

    sizes = widgets.Text(value=", ".join(str(s) for s in hidden_sizes), description="hidden sizes",
                         continuous_update=False, placeholder="e.g. 5, 3", style=FULL_LABEL)
    rate = widgets.FloatLogSlider(value=learning_rate, base=10, min=-3, max=2, step=0.1,
                                  description="learning rate", readout_format=".3g", continuous_update=False,
                                  style=FULL_LABEL)
    steps = widgets.IntSlider(value=epochs, min=10, max=3000, step=10, description="epochs",
                              continuous_update=False, style=FULL_LABEL)
    scale = widgets.FloatSlider(value=init_scale, min=0.0, max=10.0, step=0.05, description="init scale",
                                continuous_update=False, style=FULL_LABEL)
    seeds = widgets.IntSlider(value=seed, min=0, max=30, description="seed", continuous_update=False,
                              style=FULL_LABEL)
    button = widgets.Button(description="Train", button_style="primary", icon="play")
    readout = widgets.HTML("Press <b>Train</b> or change any control to train a network.")
    figure = widgets.Output()

    def parse_sizes(text):
        parts = [part for part in text.replace(",", " ").split() if part]
        values = [int(part) for part in parts]
        if not values or min(values) < 1:
            raise ValueError
        return values

    def redraw(_change=None):
        try:
            hidden = parse_sizes(sizes.value)
        except ValueError:
            readout.value = "<b>hidden sizes</b>: write positive integers separated by commas, e.g. <code>5, 3</code>"
            return
        started = time.perf_counter()
        try:
            net = build_network(hidden, scale.value, seeds.value)
            net, losses = train(np.array(x, dtype=np.float64), np.array(y, dtype=np.float64), net,
                                steps.value, rate.value)
            losses = np.asarray(losses, dtype=np.float64).reshape(-1)
        except Exception as error:  # the notebook's code is unfinished or raised: say so, do not crash
            # `train` was handed over when this cell ran: a newer one needs the cell run again
            readout.value = (f"training failed ({_raised(error)}). Finish and test NeuralNetwork and train, "
                             "then run this cell again.")
            return
        seconds = time.perf_counter() - started
        first = f"{losses[0]:.4g}" if losses.size else "-"
        last = f"{losses[-1]:.4g}" if losses.size else "-"
        readout.value = (f"network 2 → {' → '.join(map(str, hidden))} → 1 &nbsp; | &nbsp; loss {first} → {last}"
                         f" after {losses.size} epochs &nbsp; | &nbsp; trained in {seconds:.2f} s")
        with figure:
            figure.clear_output(wait=True)
            fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"wspace": 0.3})
            plot_loss_curve(losses, ax=left)
            plot_decision_boundary(net.forward, x, y, ax=right, resolution=80)
            display(fig)
            plt.close(fig)

    for control in (sizes, rate, steps, scale, seeds):
        control.observe(redraw, names="value")
    button.on_click(redraw)
    if autostart:
        redraw()
    return widgets.VBox([widgets.HBox([sizes, rate, steps]), widgets.HBox([scale, seeds, button]), readout, figure])
