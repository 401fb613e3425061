"""Helpers for the Backprop Lab course: gradient checking, test assertions, data, plots, widgets.

This package holds no exercise solutions: students install it alongside the notebooks.
"""
from .data import five_points, line_points, mnist_digits
from .gradcheck import autograd_gradients, numerical_gradient, numerical_vjp, rel_error

__all__ = ["autograd_gradients", "numerical_gradient", "numerical_vjp", "rel_error", "five_points", "line_points", "mnist_digits"]
