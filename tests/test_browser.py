"""The student experience in a real browser: JupyterLab on loopback, driven through Chromium.

For every assignment:
- the release notebook, run top to bottom (going on after each error, as a student reading on
  would), fails only where an exercise is missing: each error is the NotImplementedError of a stub,
  or a NameError for something that only a failed cell would have defined;
- the solution notebook runs without an error or a warning, every plot is an <img> on the page,
  and every explorer widget is drawn (not its text fallback) and redraws when a slider moves.
Screenshots of every notebook after its run go to build/screenshots/. One more test checks the
kernel a notebook gets: this environment's Python, with backprop_lab importable (what `make lab`
relies on).
"""
import ast
import os
import re
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest

import lab
from backprop_lab.instructor import course
from conftest import ROOT

IN_CI = os.environ.get("CI") == "true"


def missing_browser():
    """Why the browser tests cannot run here (None when they can)."""
    if not lab.CHROMIUM.exists():
        return f"no Chromium at {lab.CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "no Playwright (pip install -e '.[test]')"
    return None


# Outside CI a machine without Chromium skips this module, in one line. CI must run it: there the
# Makefile installs Chromium, and the `browser` fixture fails if it is missing all the same.
MISSING = missing_browser()
if MISSING and not IN_CI:
    pytest.skip(f"browser tests: {MISSING}", allow_module_level=True)

WRITTEN = course.written_assignments(ROOT)
SCREENSHOTS = ROOT / "build" / "screenshots"

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
STUB = "raise NotImplementedError()"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# The header of each frame of an IPython traceback: a notebook cell or a file.
FRAME = re.compile(r"^(?:Cell In\[(?P<count>\d+)\], line (?P<line>\d+)|File )", re.M)
NOT_DEFINED = re.compile(r"name '(?P<name>\w+)' is not defined")
# What a matplotlib object looks like when it is printed instead of drawn.
MATPLOTLIB_REPR = re.compile(r"^\[?<(Figure size|Axes[:>]|matplotlib\.)")


# --- reading a saved notebook after its run ------------------------------------------------------

def errors(nb):
    """{cell index: the error output} for every cell that raised."""
    return {i: out for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for out in cell.outputs if out.output_type == "error"}


def innermost_frame(error):
    """(execution count, line) of the innermost frame of an error, or None when that is a file."""
    frames = list(FRAME.finditer(ANSI.sub("", "\n".join(error.traceback))))
    if not frames or frames[-1]["count"] is None:
        return None
    return int(frames[-1]["count"]), int(frames[-1]["line"])


def bound_names(source):
    """Names a cell binds at its top level (assignments, imports, def, class, for, with)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        else:
            targets = [t for t in ast.walk(node) if isinstance(t, ast.Name) and isinstance(t.ctx, ast.Store)]
            names.update(t.id for t in targets)
    return names


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def is_exercise(cell):
    return cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution", False)


def used_names(source):
    """Names a cell reads."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def stray_errors(release, solution):
    """The errors of a run release notebook that do not come from a missing exercise, and the
    exercises that no failing cell shows to be missing.

    An error comes from a missing exercise when it is
    - a NotImplementedError whose innermost frame is the `raise NotImplementedError()` line of an
      exercise cell (the exercise cell itself, or any cell that called into its stub), or
    - a NameError for a name that, in the solution notebook, the most recent cell binding it
      binds, where that cell failed for the first reason or this one (so it never ran to the end).
    An exercise is shown to be missing when its own stub raised, or when a cell that failed for
    one of these reasons uses a name it defines (the visible test of `train` fails at the stub
    of `NeuralNetwork` that `train` needs first). An exercise shown by nothing would be one
    whose visible test passes on the stub, or hides its NotImplementedError. An optional exercise
    (no graded cell uses what it defines, like 05's BCELoss for the cross-entropy experiment) need
    not be shown: the cell that uses it must say what is missing instead of failing.
    `solution` is the source notebook: cells are matched by id, since the release stubs bind less.
    """
    by_count = {cell.execution_count: i for i, cell in enumerate(release.cells)
                if cell.cell_type == "code" and cell.execution_count}
    binds = {cell.id: bound_names(cell.source) for cell in solution.cells if cell.cell_type == "code"}
    failed, stray, shown = set(), [], set()
    for i, error in sorted(errors(release).items()):
        cell = release.cells[i]
        if error.ename == "NotImplementedError" and (frame := innermost_frame(error)):
            stub = release.cells[by_count[frame[0]]] if frame[0] in by_count else None
            lines = stub.source.splitlines() if stub else []
            if stub and is_exercise(stub) and 0 < frame[1] <= len(lines) and lines[frame[1] - 1].strip() == STUB:
                failed.add(i)
                shown.add(stub.id)
                continue
        if error.ename == "NameError" and (missing := NOT_DEFINED.search(error.evalue)):
            earlier = [j for j in range(i) if missing["name"] in binds.get(release.cells[j].id, ())]
            if earlier and earlier[-1] in failed:
                failed.add(i)
                continue
        stray.append(f"cell {i} {grade_id(cell) or cell.id!r}: {error.ename}: {error.evalue}")
    optional = optional_exercises(solution)
    exercises = [c for c in release.cells if is_exercise(c) and STUB in c.source and c.id not in optional]
    for i in failed:
        uses = used_names(release.cells[i].source)
        shown.update(c.id for c in exercises if binds.get(c.id, set()) & uses)
    return stray, [grade_id(c) or c.id for c in exercises if c.id not in shown]


def optional_exercises(solution):
    """ids of the exercise cells of a solution notebook that no graded cell uses (hidden tests included)."""
    tested = set().union(*[used_names(cell.source) for cell in solution.cells
                           if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")])
    return {cell.id for cell in solution.cells if is_exercise(cell) and not bound_names(cell.source) & tested}


def unexpected_outputs(nb):
    """Warnings (stderr) and matplotlib objects printed instead of drawn, one line each."""
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stderr":
                found.append(f"cell {i} {grade_id(cell)} wrote to stderr: {out.text.strip()[:300]}")
            text = out.get("data", {}).get("text/plain", "")
            if "image/png" not in out.get("data", {}) and MATPLOTLIB_REPR.match(text):
                found.append(f"cell {i} {grade_id(cell)} shows {text[:80]!r} instead of a plot")
    return found


def places(nb, mime):
    """[cell, output] of every output that holds `mime`, in order."""
    return [[i, k] for i, cell in enumerate(nb.cells) for k, out in enumerate(cell.get("outputs", []))
            if mime in out.get("data", {})]


def shown_images(page_cells):
    """[cell, output] of every output that the page shows as an <img>."""
    return [[i, k] for i, cell in enumerate(page_cells) for k, out in enumerate(cell["outputs"]) if out["image"]]


# --- the browser session -----------------------------------------------------------------------

class Timings:
    """Seconds per notebook, printed at the end of the pytest run with where the screenshots are."""

    def __init__(self):
        self.rows = []

    def pytest_terminal_summary(self, terminalreporter):
        if not self.rows:
            return
        terminalreporter.section("browser: seconds per notebook (open, run, save, check, screenshot)")
        for name, seconds in self.rows:
            terminalreporter.write_line(f"{name:<58} {seconds:6.1f} s")
        terminalreporter.write_line(f"{'all notebooks':<58} {sum(s for _, s in self.rows):6.1f} s")
        terminalreporter.write_line(f"screenshots: {SCREENSHOTS}")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A working copy of release/ and source/ for JupyterLab to serve (runs save their outputs)."""
    root = tmp_path_factory.mktemp("course")
    for folder in ("release", "source"):
        shutil.copytree(ROOT / folder, root / folder,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return root


@pytest.fixture(scope="module")
def server(workspace, tmp_path_factory):
    jupyter = lab.JupyterLab(workspace, tmp_path_factory.mktemp("jupyterlab")).start()
    yield jupyter
    jupyter.stop()


@pytest.fixture(scope="module")
def timings(request):
    """The per-notebook times, reported at the end; the screenshots of an earlier run are removed."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    recorder = Timings()
    request.config.pluginmanager.register(recorder, "backprop-lab-browser-timings")
    return recorder


@pytest.fixture(scope="module")
def browser(server, tmp_path_factory, timings):
    """One Chromium (fresh profile) with JupyterLab loaded, for every notebook of the module."""
    if MISSING:
        pytest.fail(f"browser tests must run in CI: {MISSING}", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"), executable_path=str(lab.CHROMIUM), headless=True,
            args=lab.CHROMIUM_ARGS, viewport=lab.VIEWPORT)
        context.set_default_timeout(30_000)
        try:
            yield lab.LabPage(context.pages[0], server).start()
        finally:
            context.close()


@contextmanager
def run_notebook(browser, server, workspace, timings, path, past_errors=False):
    """Open `path` in JupyterLab, run it and save it; yield the saved notebook and the page's cells.

    Afterwards (whatever the checks found) the notebook is photographed and closed, its kernel
    shut down, and the time it all took recorded.
    """
    started = time.monotonic()
    try:
        browser.open(path, len(nbformat.read(workspace / path, as_version=4).cells))
        if past_errors:
            browser.run_all_past_errors()
        else:
            browser.run("runmenu:run-all")
        browser.save()
        yield nbformat.read(workspace / path, as_version=4), browser.cells()
    finally:
        try:
            browser.screenshot(SCREENSHOTS / f"{path.parts[0]}-{path.parent.name}.png")
            browser.close()
        finally:
            server.shut_down_kernels()
            timings.rows.append((str(path), time.monotonic() - started))


# --- the tests ---------------------------------------------------------------------------------

def test_a_notebook_kernel_is_this_environment_with_backprop_lab(server):
    """What `make lab` gives a student: the kernel is the venv's Python and imports the course package."""
    facts = server.run_in_new_kernel("import sys, backprop_lab; print(sys.prefix); print(backprop_lab.__file__)",
                                     folder=Path("release") / WRITTEN[0].name)
    prefix, package = facts.split()
    assert Path(prefix).resolve() == Path(sys.prefix).resolve()
    assert Path(package).resolve().is_relative_to(ROOT)


def assert_drawn(nb, page_cells, browser):
    """Every plot of the run is an <img> on the page, and every widget is drawn with its labels in
    full; returns the [cell, output] places of the widgets."""
    assert shown_images(page_cells) == places(nb, "image/png"), "a plot is not shown as an image"
    explorers = places(nb, WIDGET_VIEW)
    browser.wait_for_widgets(explorers)
    page_cells = browser.cells()
    for i, k in explorers:
        shown = page_cells[i]["outputs"][k]
        assert shown["widget"], f"cell {i}: the widget is not drawn, the page shows {shown['text']!r}"
        assert not browser.cut_labels(i, k), f"cell {i}: labels cut short: {browser.cut_labels(i, k)}"
    return explorers


@pytest.mark.parametrize("assignment", WRITTEN, ids=[a.name for a in WRITTEN])
def test_release_fails_only_where_an_exercise_is_missing(assignment, browser, server, workspace, timings):
    path = Path("release") / assignment.name / f"{assignment.notebook}.ipynb"
    with run_notebook(browser, server, workspace, timings, path, past_errors=True) as (nb, page_cells):
        assert all(cell.execution_count for cell in nb.cells if cell.cell_type == "code")
        stray, unreached = stray_errors(nb, nbformat.read(assignment.source(ROOT), as_version=4))
        assert not stray, "errors that do not come from a missing exercise:\n" + "\n".join(stray)
        assert not unreached, f"exercises whose NotImplementedError no cell shows: {unreached}"
        assert not unexpected_outputs(nb), "\n".join(unexpected_outputs(nb))
        assert_drawn(nb, page_cells, browser)


@pytest.mark.parametrize("assignment", WRITTEN, ids=[a.name for a in WRITTEN])
def test_solution_runs_clean_with_plots_and_live_widgets(assignment, browser, server, workspace, timings):
    path = Path("source") / assignment.name / f"{assignment.notebook}.ipynb"
    with run_notebook(browser, server, workspace, timings, path) as (nb, page_cells):
        failed = [f"cell {i} {grade_id(nb.cells[i])}: {e.ename}: {e.evalue}" for i, e in errors(nb).items()]
        assert not failed, "the solution raised:\n" + "\n".join(failed)
        assert all(cell.execution_count for cell in nb.cells if cell.cell_type == "code")
        assert not unexpected_outputs(nb), "\n".join(unexpected_outputs(nb))
        assert places(nb, "image/png"), "every notebook shows at least one plot"
        for i, k in assert_drawn(nb, page_cells, browser):
            assert browser.widget_reacts(i, k), f"cell {i}: moving the first slider changed no picture"


# --- the checks themselves catch what they must ------------------------------------------------

def _traceback(*frames):
    """A traceback in IPython's format: frames are 'Cell In[n], line k' or 'File ...' headers."""
    return ["\x1b[31m----\x1b[0m", *[f"\x1b[36m{frame}\x1b[0m\n      1 code" for frame in frames]]


def _notebooks():
    """A solution notebook and its release, as small as the check needs."""
    solution = nbformat.v4.new_notebook()
    release = nbformat.v4.new_notebook()
    sources = [("setup", "import numpy as np", "import numpy as np", {}),
               ("tanh", "class Tanh:\n    def forward(self, x):\n        return np.tanh(x)",
                "class Tanh:\n    def forward(self, x):\n        # YOUR CODE HERE\n        raise NotImplementedError()",
                {"solution": True, "grade_id": "tanh"}),
               ("table", "table = {'y': 1}", "# YOUR CODE HERE\nraise NotImplementedError()",
                {"solution": True, "grade_id": "table"}),
               ("plot", "curve = Tanh().forward(np.zeros(3))", "curve = Tanh().forward(np.zeros(3))", {}),
               ("uses", "print(curve, table)", "print(curve, table)", {}),
               ("graded", "assert table and Tanh()", "assert table and Tanh()", {"grade": True, "grade_id": "graded"})]
    for count, (cell_id, answer, stub, nbgrader) in enumerate(sources, start=1):
        solution.cells.append(nbformat.v4.new_code_cell(answer, id=cell_id, metadata={"nbgrader": nbgrader}))
        release.cells.append(nbformat.v4.new_code_cell(stub, id=cell_id, metadata={"nbgrader": nbgrader},
                                                       execution_count=count))
    return solution, release


def _error(ename, evalue, *frames):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=_traceback(*frames))


def test_stray_errors_accepts_errors_that_come_from_stubs():
    solution, release = _notebooks()
    release.cells[2].outputs = [_error("NotImplementedError", "", "Cell In[3], line 2")]
    release.cells[3].outputs = [_error("NotImplementedError", "", "Cell In[4], line 1",
                                       "File ~/backprop_lab/plots.py:3, in f()", "Cell In[2], line 4, in Tanh.forward")]
    release.cells[4].outputs = [_error("NameError", "name 'curve' is not defined", "Cell In[5], line 1")]
    assert stray_errors(release, solution) == ([], [])


def test_stray_errors_flags_everything_else():
    solution, release = _notebooks()
    release.cells[0].outputs = [_error("ModuleNotFoundError", "No module named 'numpy'", "Cell In[1], line 1")]
    # raised inside a library, not by a stub
    release.cells[3].outputs = [_error("NotImplementedError", "", "Cell In[4], line 1", "File ~/numpy/x.py:9")]
    # `curve` is missing because of cell 3, whose error is itself stray
    release.cells[4].outputs = [_error("NameError", "name 'curve' is not defined", "Cell In[5], line 1")]
    stray, unreached = stray_errors(release, solution)
    assert [line.split(":")[0] for line in stray] == ["cell 0 'setup'", "cell 3 'plot'", "cell 4 'uses'"]
    assert unreached == ["tanh", "table"]


def test_an_untested_exercise_is_optional_and_may_stay_silent():
    solution, release = _notebooks()
    assert optional_exercises(solution) == set()
    assert stray_errors(release, solution) == ([], ["tanh", "table"])
    solution.cells[5].source = release.cells[5].source = "assert Tanh()"
    assert optional_exercises(solution) == {"table"}          # no graded cell uses `table`
    assert stray_errors(release, solution) == ([], ["tanh"])  # so its silent stub is no problem


def test_unexpected_outputs_flags_warnings_and_printed_figures():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("plt.plot([1])", outputs=[
        nbformat.v4.new_output("execute_result", data={"text/plain": "[<matplotlib.lines.Line2D at 0x7f>]"}),
        nbformat.v4.new_output("display_data", data={"image/png": "iVBOR", "text/plain": "<Figure size 640x480>"}),
        nbformat.v4.new_output("stream", name="stderr", text="UserWarning: tight_layout")])]
    assert len(unexpected_outputs(nb)) == 2
