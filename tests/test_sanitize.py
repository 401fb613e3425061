"""grading/sanitize.repair on damaged notebook files, one damage per case: a valid nbformat-4
notebook always comes back (the submission's own, or the blank release, graded zero), and the
problem is named."""
import json
import os

import nbformat
import pytest

from backprop_lab.grading import sanitize
from classes import assignment_named

from conftest import ROOT

LOSS = assignment_named("01_loss")


def _release():
    return LOSS.release(ROOT)


def _valid_text():
    return _release().read_text(encoding="utf-8")


def _cells_damaged(notebook):
    notebook["cells"][0]["source"] = 42             # a source that is not text
    notebook["cells"][1].pop("metadata")             # a field nbformat requires
    notebook["cells"].append({"cell_type": "unknown", "source": "", "metadata": {}})
    return notebook


DAMAGES = {  # name: (file bytes, graded as the blank release, words the problem contains)
    "empty": (b"", True, "empty"),
    "not JSON": (b'{"cells": [', True, "not valid notebook JSON"),
    "JSON, not a notebook": (b'["a", "list"]', True, "JSON but not a notebook"),
    "nested too deeply": (b"[" * 100_000 + b"]" * 100_000, True, "nested too deeply"),
    "not UTF-8": (_valid_text().encode("utf-8").replace(b"Backprop", b"Backpr\xff", 1), False, "not valid UTF-8"),
    "old format": (json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                               "worksheets": [{"cells": [{"cell_type": "code", "input": "x = 1",
                                                          "language": "python", "outputs": []}]}]}).encode(),
                   False, "format 3 was upgraded"),
    "cells with wrong fields": (json.dumps(_cells_damaged(json.loads(_valid_text()))).encode(), False,
                                "unknown type 'unknown' was dropped"),
}


@pytest.mark.parametrize("name", list(DAMAGES))
def test_a_damaged_file_gives_a_valid_notebook_and_names_the_problem(tmp_path, name):
    content, blank, words = DAMAGES[name]
    path = tmp_path / "loss.ipynb"
    path.write_bytes(content)
    notebook, problems = sanitize.repair(path, _release())
    nbformat.validate(notebook)
    assert problems, "a damaged file must be reported"
    assert words in " ".join(problems), problems
    release = nbformat.read(_release(), as_version=4)
    assert (notebook.cells == release.cells) == blank, "graded as the blank release exactly when unreadable"


def test_an_intact_notebook_comes_back_unchanged_and_unreported(tmp_path):
    path = tmp_path / "loss.ipynb"
    path.write_text(_valid_text(), encoding="utf-8")
    notebook, problems = sanitize.repair(path, _release())
    assert problems == []
    assert notebook == nbformat.read(_release(), as_version=4)


def test_a_missing_file_or_a_link_is_graded_blank(tmp_path):
    notebook, problems = sanitize.repair(tmp_path / "absent.ipynb", _release())
    assert "missing" in problems[0]
    os.symlink(_release(), tmp_path / "linked.ipynb")
    notebook, problems = sanitize.repair(tmp_path / "linked.ipynb", _release())
    assert "was not read" in problems[0] and notebook.cells == nbformat.read(_release(), as_version=4).cells
