import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from backprop_lab import five_points  # noqa: E402
from backprop_lab.plots import (finite_difference_errors, plot_decision_boundary,  # noqa: E402
                                plot_epsilon_error, plot_loss_curve)
from backprop_lab.widgets import epsilon_explorer  # noqa: E402


def test_finite_difference_errors_show_first_and_second_order():
    forward, centered = finite_difference_errors(np.sin, np.cos, 1.0, [1e-2, 1e-3])
    assert 8 < forward[0] / forward[1] < 12       # error ~ h
    assert 80 < centered[0] / centered[1] < 120   # error ~ h^2


def test_plots_draw_on_the_given_axes():
    x, y = five_points()
    _, axes = plt.subplots(1, 3)
    assert plot_loss_curve(np.linspace(1, 0.1, 50), ax=axes[0]) is axes[0]
    assert axes[0].get_yscale() == "log"
    assert plot_decision_boundary(lambda p: 1 / (1 + np.exp(np.sum(p**2, axis=1) - 0.5)), x, y,
                                  ax=axes[1], resolution=20) is axes[1]
    assert plot_decision_boundary(lambda p: np.zeros((len(p), 1)), x, y, ax=axes[2], resolution=20)
    plt.close("all")
    assert plot_epsilon_error(np.exp, np.exp, 0.5, marked_eps=1e-6).get_xscale() == "log"
    plt.close("all")


def test_epsilon_explorer_reacts_to_its_controls():
    explorer = epsilon_explorer()
    controls, readout = explorer.children[0].children, explorer.children[1]
    function, point, step = controls
    before = readout.value
    step.value = 1e-2
    assert readout.value != before and "e-0" in readout.value
    function.value = "exp(x)"
    assert f"{np.exp(point.value):.12f}" in readout.value
    plt.close("all")


def _unfinished(_x):
    raise NotImplementedError()


def test_explorers_of_unfinished_code_explain_instead_of_raising():
    from backprop_lab.widgets import activation_explorer, layer_gradient_explorer

    # a student who ran everything before writing their layers still gets the controls
    explorer = activation_explorer({"tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
                                    "relu": (_unfinished, _unfinished)})
    choice, readout = explorer.children[0].children[0], explorer.children[1]
    assert "relative error" in readout.value
    choice.value = "relu"
    assert "relu</b> raised NotImplementedError" in readout.value
    explorer = layer_gradient_explorer(lambda depth, width, scale: _unfinished(None))
    assert "raised NotImplementedError" in explorer.children[1].value
    plt.close("all")


def test_plot_network_draws_one_circle_per_unit_and_every_label():
    from matplotlib.patches import Circle

    from backprop_lab.plots import plot_network

    ax = plot_network([2, 3, 2, 1], unit_labels=[["x1", "x2"], ["a", "b", "c"], ["d", "e"], ["ŷ"]],
                      layer_labels=["a[0]", "a[1]", "a[2]", "a[3]"], edge_labels=["W[1]", "W[2]", "W[3]"])
    assert sum(isinstance(p, Circle) for p in ax.patches) == 8
    assert len(ax.lines) == 2 * 3 + 3 * 2 + 2 * 1
    texts = {t.get_text() for t in ax.texts}
    assert {"x1", "ŷ", "a[0]", "a[3]", "W[1]", "W[3]"} <= texts
    plt.close("all")
