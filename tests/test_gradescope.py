"""The Gradescope bundle: its layout, and its run_autograder on a correct, a blank and a broken
01_loss submission, in a temporary folder laid out like Gradescope's /autograder."""
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest

from backprop_lab.grading import gradescope
from classes import assignment_named, autograded_points
from conftest import ROOT
from variants import build_submission, variants

LOSS = assignment_named("01_loss")
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
HIDDEN_BLOCK = re.compile(r"### BEGIN (HIDDEN TESTS|SOLUTION)\n(.*?)### END \1", re.S)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    output = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    done = subprocess.run([sys.executable, "-m", "backprop_lab.cli", "--course", str(ROOT), "gradescope",
                           LOSS.name, "--output", str(output)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "autograder points" in done.stdout
    return output


def test_bundle_layout(bundle):
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        assert {"setup.sh", "run_autograder", "nbgrader_config.py", "pyproject.toml", "README.md",
                "gradescope.json", "backprop_lab/__init__.py", "backprop_lab/grading/gradescope.py",
                "backprop_lab/data/mnist_test_first1000.npz", f"source/{LOSS.name}/{LOSS.notebook}.ipynb"} <= names
        assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or ".egg-info" in n]
        assert not [n for n in names if n.startswith(("release/", "tests/", "examples/", "submitted/"))]
        assert {n.split("/")[1] for n in names if n.startswith("source/")} == {LOSS.name}
        for name in ("setup.sh", "run_autograder"):
            mode = archive.getinfo(name).external_attr >> 16
            assert mode & 0o755 == 0o755, f"{name} is not executable in the zip ({oct(mode)})"
            assert archive.read(name).startswith(b"#!/usr/bin/env bash\n")
        setup = archive.read("setup.sh").decode()
        torch_line = next(line for line in setup.splitlines() if "torch==2.13.0" in line)
        assert "download.pytorch.org/whl/cpu" in torch_line
        assert setup.index("torch==2.13.0") < setup.index('pip install --quiet "$SOURCE"')
        assert json.loads(archive.read("gradescope.json"))["assignments"] == [LOSS.name]
    for name in ("setup.sh", "run_autograder"):
        syntax = subprocess.run(["bash", "-n", str(ROOT / "autograder" / name)], capture_output=True, text=True)
        assert syntax.returncode == 0, syntax.stderr


@pytest.fixture(scope="module")
def prepared(bundle, tmp_path_factory):
    """/autograder after setup.sh (minus the pip installs): source/ unpacked, gradebook generated."""
    root = tmp_path_factory.mktemp("autograder")
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
        for info in archive.infolist():   # extractall drops permission bits; Gradescope's unzip keeps them
            os.chmod(root / "source" / info.filename, (info.external_attr >> 16) & 0o777)
    done = subprocess.run([sys.executable, "-m", "backprop_lab.grading.gradescope", "prepare", "--root", str(root)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (root / "source" / "gradebook.db").is_file()
    return root


def correct_submission(course_dir):
    variant = next(v for v in variants(LOSS.name) if v.correct)
    return nbformat.writes(build_submission(LOSS.release(course_dir), LOSS.source(course_dir), variant)).encode()


# Built from the bundle's own source/ and the release that `prepare` generated from it.
SUBMISSIONS = {
    "correct": correct_submission,
    "blank": lambda course_dir: LOSS.release(course_dir).read_bytes(),
    "invalid_json": lambda course_dir: b'{"cells": [{"cell_type": "code", "source": "import numpy as np',
}


@pytest.fixture(scope="module")
def graded(prepared, tmp_path_factory):
    """{case: results.json} from Gradescope's entry point, each case in a fresh copy of /autograder."""
    found = {}
    for case, make in SUBMISSIONS.items():
        root = tmp_path_factory.mktemp(f"gradescope-{case}")
        shutil.copytree(prepared / "source", root / "source")
        (root / "submission").mkdir()
        (root / "results").mkdir()
        (root / "submission" / f"{LOSS.notebook}.ipynb").write_bytes(make(prepared / "source"))
        env = {**os.environ, "AUTOGRADER_ROOT": str(root), "BACKPROP_LAB_PYTHON": sys.executable,
               "BACKPROP_LAB_CELL_TIMEOUT": "30"}
        done = subprocess.run([str(root / "source" / "run_autograder")], capture_output=True, text=True,
                              env=env, cwd=root)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        found[case] = json.loads((root / "results" / "results.json").read_text())
    return found


def test_entry_points_skip_building_the_iri_grammar():
    """run_autograder starts once per submission: jsonschema's optional IRI grammar (about a
    second to build, unused) stays out of it and out of the `backprop-lab` command."""
    for module in ("backprop_lab.grading.gradescope", "backprop_lab.cli"):
        done = subprocess.run([sys.executable, "-c", f"import sys, {module}, nbformat.validator; "
                               "print(sys.modules.get('rfc3987_syntax', 'never imported'))"],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "None", module


def test_results_follow_gradescope_spec(graded):
    auto_cells = [grade_id for grade_id, kind in autograded_cells().items()]
    for case, results in graded.items():
        assert isinstance(results["score"], float), case
        assert isinstance(results["execution_time"], int) and results["execution_time"] >= 1, case
        assert isinstance(results["output"], str) and results["output"], case
        assert [t["name"] for t in results["tests"]] == [f"{LOSS.name}: {c}" for c in auto_cells], case
        for test in results["tests"]:
            assert isinstance(test["name"], str) and isinstance(test["output"], str), (case, test)
            assert isinstance(test["score"], float) and isinstance(test["max_score"], float), (case, test)
            assert 0 <= test["score"] <= test["max_score"], (case, test)
            assert test["visibility"] in VISIBILITIES, (case, test)
            assert test["status"] == ("passed" if test["score"] == test["max_score"] else "failed"), (case, test)
        assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"])), case
        assert "epsilon_answer" in results["output"] and "by hand" in results["output"], case


def test_correct_submission_gets_full_marks(graded):
    results = graded["correct"]
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) == autograded_points(LOSS)
    assert {t["output"] for t in results["tests"]} == {"passed"}
    assert not results["extra_data"]["flagged"], results["output"]


def test_blank_submission_gets_zero(graded):
    results = graded["blank"]
    assert results["score"] == 0
    for test in results["tests"]:   # each says which of its hidden checks did not pass
        grade_id = test["name"].split(": ")[1]
        assert test["output"].startswith(f"failed (hidden tests): hidden tests of {grade_id}: failed"), test
    assert "hidden tests" in results["output"]


def test_invalid_json_gets_zero_with_the_reason(graded):
    results = graded["invalid_json"]
    assert results["score"] == 0 and len(results["tests"]) == len(autograded_cells())
    assert "not valid notebook JSON" in results["output"]


def test_hidden_tests_are_never_shown(graded):
    kinds = autograded_cells()
    secret = [line.strip() for cell in nbformat.read(LOSS.source(ROOT), as_version=4).cells
              for _, block in HIDDEN_BLOCK.findall(cell.source) for line in block.splitlines()
              if len(line.strip()) >= 20]
    assert len(secret) > 20
    for case, results in graded.items():
        shown = json.dumps(results)
        assert not [line for line in secret if line in shown], case
        for test in results["tests"]:
            assert "Traceback" not in test["output"] and "Error" not in test["output"], (case, test)
            if kinds[test["name"].split(": ")[1]] == "hidden":
                assert re.fullmatch(r"passed|(failed|partly passed) \(hidden tests\)(: .*)?", test["output"]), test


def autograded_cells():
    """{grade_id: "hidden" | "visible"} of 01_loss's autograded cells, in notebook order."""
    kinds = gradescope._graded_cells(nbformat.read(LOSS.source(ROOT), as_version=4))
    return {grade_id: kind for grade_id, kind in kinds.items() if kind != "manual"}




def test_visible_failures_are_explained_and_hidden_code_is_withheld():
    cell = nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
        "error", ename="AssertionError", evalue="expected shape (3, 2), got (2, 3)", traceback=["..."])])
    assert gradescope._test_output(cell, 0.0, 2.0, hidden=False, hidden_lines=set()) == \
        "failed: AssertionError: expected shape (3, 2), got (2, 3)"
    assert gradescope._test_output(cell, 0.0, 2.0, hidden=True, hidden_lines=set()) == "failed (hidden tests)"
    quoted = {"expected shape (3, 2), got (2, 3)"}
    assert "withheld" in gradescope._test_output(cell, 0.0, 2.0, hidden=False, hidden_lines=quoted)
    timeout = nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
        "error", ename="GraderError", evalue="not run: an earlier cell stopped the notebook's process",
        traceback=[])])
    assert gradescope._test_output(timeout, 0.0, 1.0, hidden=True, hidden_lines=set()) == \
        "failed (hidden tests): not run: an earlier cell stopped the notebook's process"


def test_notebooks_are_found_by_name(tmp_path):
    everything = [assignment_named("01_loss"), assignment_named("02_activations")]
    (tmp_path / "deep" / "folder").mkdir(parents=True)
    (tmp_path / "deep" / "folder" / "activations.ipynb").write_text("{}")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "loss.ipynb").write_text("{}")
    found, notes = gradescope.find_notebooks(tmp_path, everything)
    assert found == {everything[1]: tmp_path / "deep" / "folder" / "activations.ipynb"} and not notes
    # a bundle for one assignment grades a renamed notebook, and a submission without one as missing
    (tmp_path / "loss (1).ipynb").write_text("{}")
    found, notes = gradescope.find_notebooks(tmp_path / "deep", everything[:1])
    assert found == {everything[0]: tmp_path / "deep" / "folder" / "activations.ipynb"} and notes
    found, notes = gradescope.find_notebooks(tmp_path / "nothing", everything[:1])
    assert found == {everything[0]: None} and "loss.ipynb" in notes[0]
