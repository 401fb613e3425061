import numpy as np
import pytest

from backprop_lab import five_points, line_points, mnist_digits


def test_five_points():
    x, y = five_points()
    assert x.shape == (5, 2) and y.shape == (5, 1) and x.dtype == y.dtype == np.float64
    assert y[:, 0].tolist() == [1, 0, 0, 0, 0]
    assert np.abs(x).sum(axis=1).tolist() == [0, 1, 1, 1, 1]  # the centre, then its four neighbours


def test_line_points():
    x, y = line_points()
    assert x.shape == y.shape == (8,) and x[0] == -1 and x[-1] == 1
    np.testing.assert_array_equal(x, y)
    assert line_points(3)[0].tolist() == [-1, 0, 1]
    with pytest.raises(ValueError, match="n must be"):
        line_points(1)


def test_mnist_digits_are_cropped_scaled_and_reproducible():
    images, labels = mnist_digits(20, crop=24, seed=5)
    assert images.shape == (20, 24, 24) and images.dtype == np.float64 and labels.shape == (20,)
    assert 0 <= images.min() and images.max() <= 1 and images.max() > 0.9
    assert set(labels.tolist()) <= set(range(10))
    again, _ = mnist_digits(20, crop=24, seed=5)
    np.testing.assert_array_equal(images, again)
    assert not np.array_equal(images, mnist_digits(20, crop=24, seed=6)[0])
    assert mnist_digits(3, crop=28)[0].shape == (3, 28, 28)


def test_mnist_digits_come_from_the_shipped_test_set():
    images, labels = mnist_digits(1000, crop=28)
    assert sorted(np.bincount(labels).tolist())[0] > 50  # every digit is present
    assert len({image.tobytes() for image in images}) == 1000  # drawn without replacement


@pytest.mark.parametrize("kwargs, message", [({"n": 0}, "n must"), ({"n": 1001}, "n must"),
                                             ({"crop": 30}, "crop must"), ({"n": 2.5}, "n must")])
def test_mnist_digits_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mnist_digits(**kwargs)
