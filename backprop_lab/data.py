"""Small data sets used across the course, all served offline."""
from importlib import resources

import numpy as np


def five_points():
    """The five-point classification problem: a centre point (label 1) and four neighbours (label 0).

    Returns x of shape (5, 2) and y of shape (5, 1), both float64.
    """
    x = np.array([[0, 0], [1, 0], [0, -1], [-1, 0], [0, 1]], dtype=np.float64)
    y = np.array([[1], [0], [0], [0], [0]], dtype=np.float64)
    return x, y


def line_points(n=8):
    """n evenly spaced points on the line y = x over [-1, 1]: returns x and y, each of shape (n,)."""
    if int(n) != n or n < 2:
        raise ValueError(f"line_points: n must be an integer >= 2, got {n!r}")
    x = np.linspace(-1.0, 1.0, int(n))
    return x, x.copy()


def mnist_digits(n=100, crop=24, seed=0):
    """n MNIST test digits, centre-cropped to crop x crop pixels and scaled to [0, 1].

    Returns images of shape (n, crop, crop) (float64) and labels of shape (n,) (int64), drawn
    without replacement from the first 1,000 images of the MNIST test set (see data/README.md).
    """
    with resources.files(__package__).joinpath("data/mnist_test_first1000.npz").open("rb") as f:
        archive = np.load(f)
        images, labels = archive["images"], archive["labels"]
    if int(n) != n or not 1 <= n <= len(images):
        raise ValueError(f"mnist_digits: n must be an integer between 1 and {len(images)}, got {n!r}")
    side = images.shape[1]
    if int(crop) != crop or not 1 <= crop <= side:
        raise ValueError(f"mnist_digits: crop must be an integer between 1 and {side}, got {crop!r}")
    chosen = np.random.default_rng(seed).choice(len(images), size=int(n), replace=False)
    start = (side - int(crop)) // 2
    window = slice(start, start + int(crop))
    return images[chosen][:, window, window].astype(np.float64) / 255.0, labels[chosen].astype(np.int64)
