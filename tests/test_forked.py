"""grading/forked.py: work in a forked process hands back its result, or its error."""
import os

import pytest

from backprop_lab.grading import forked


def test_the_result_comes_back_from_another_process():
    result = forked.start(lambda: {"pid": os.getpid(), "cells": [1, 2]})
    value = result()
    assert value["cells"] == [1, 2] and value["pid"] != os.getpid()


def test_an_error_comes_back_with_its_traceback():
    def prepare():
        raise ValueError("bad notebook")

    with pytest.raises(RuntimeError, match=r"prepare failed:(.|\n)*ValueError: bad notebook"):
        forked.start(prepare)()


def test_a_process_that_dies_is_reported():
    with pytest.raises(RuntimeError, match="ended without a result"):
        forked.start(lambda: os._exit(7))()


def test_closed_descriptors_are_closed_in_the_child_only():
    reader, writer = os.pipe()
    result = forked.start(lambda: os.write(writer, b"x"), close=[writer])
    with pytest.raises(RuntimeError, match="OSError"):
        result()
    os.write(writer, b"still open here")
    os.close(reader), os.close(writer)
