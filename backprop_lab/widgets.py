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
    "tanh(x)": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
}


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
            plt.show(fig)

    for control in (function, point, step):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([function, point, step]), readout, figure])
