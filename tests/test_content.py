"""Course content that grading depends on (issue 17):

- no cell a student can run in the release prints the expected values of a graded cell whose answer
  is a number rather than code (06's forward and backward tables): not the locked cells, not the
  visible parts of the tests, not the markdown, not even when the student's answers are wrong;
- no test of an exercise that must compute gradients by hand (`backpropagation` in 04,
  `three_layer_backward` in 06) can be passed with autograd, under `backprop-lab grade` and under
  stock `nbgrader autograde`;
- `call_without_autograd` refuses autograd and nothing else;
- one notation for the whole course: the same notation table near the top of every source and
  release notebook, and no cell written in another layer indexing or naming.
"""
import ast
import re

import nbformat
import numpy as np
import pytest
import torch

from backprop_lab.instructor import course
from backprop_lab.checks import call_without_autograd
from classes import assignment_named, grade_with_backprop_lab, grade_with_nbgrader, scratch_class
from conftest import ROOT
from variants import MARKER_LINE, Variant, build_submission, load

SUBMISSIONS = ROOT / "tests" / "submissions"
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")
TABLE_RTOL = 1e-3   # the tolerance of 06's table tests: a printed number this close would pass


# --- which graded cells have numbers for answers, and where numbers could leak ----------------------

def literal_answer_cells(notebook):
    """{grade_id: solution source} of solution cells whose answer is data (assignments of literals
    only), not code: these are graded by comparing numbers, so the numbers must not be printed."""
    found = {}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("solution"):
            continue
        solution = MARKER_LINE.sub("", cell.source)
        tree = ast.parse(solution)
        if tree.body and all(isinstance(node, ast.Assign) for node in tree.body):
            try:
                for node in tree.body:
                    ast.literal_eval(node.value)
            except ValueError:
                continue
            found[meta["grade_id"]] = solution
    return found


def numbers_in(text):
    return [float(match) for match in NUMBER.findall(text)]


def expected_numbers(solution):
    """The non-zero numbers of a literal answer cell."""
    values = []
    for node in ast.parse(solution).body:
        values += [float(v) for v in np.ravel(_flatten(ast.literal_eval(node.value))) if float(v) != 0.0]
    return values


def _flatten(value):
    if isinstance(value, dict):
        return [x for v in value.values() for x in _flatten(v)]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _flatten(v)]
    return [value]


def given_numbers(release):
    """Numbers the release's code hands every student (weights, inputs, given-away entries):
    printing them is no leak."""
    return {abs(x) for cell in release.cells if cell.cell_type == "code" for x in numbers_in(cell.source)}


def output_text(notebook):
    """Everything the cells of `notebook` showed as text, and its markdown."""
    parts = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(output.get("evalue", ""))
            parts += output.get("traceback", [])
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def leaked(text, expected, given):
    """Expected numbers that a number in `text` would reproduce closely enough to pass the test."""
    close = lambda x, e: abs(x - e) <= TABLE_RTOL * max(abs(x), abs(e))
    secret = [e for e in expected if not any(close(abs(e), g) for g in given)]
    return sorted({e for x in numbers_in(text) for e in secret if close(x, e)})


def wrong_answers(solution):
    """The literal answer cell with every number changed (as a student who got all of them wrong)."""
    return NUMBER.sub(lambda m: repr(round(float(m.group()) * 1.37 + 0.11, 6)), solution)


LITERAL = [(a, cells) for a in course.written_assignments(ROOT)
           if (cells := literal_answer_cells(nbformat.read(a.source(ROOT), as_version=4)))]


def test_06_tables_are_the_literal_answers_scanned():
    assert {(a.name, gid) for a, cells in LITERAL for gid in cells} == {
        ("06_three_layer_bce", "forward_table"), ("06_three_layer_bce", "backward_table")}


def test_the_scan_finds_printed_table_values():
    """The check can fail: a cell printing what loss.backward() stored, rounded to four digits as
    06 once did, is caught."""
    assignment, cells = LITERAL[0]
    release = nbformat.read(assignment.release(ROOT), as_version=4)
    expected = [e for solution in cells.values() for e in expected_numbers(solution)]
    printed = "dL/dfc1.weight = [[0.5622, -0.2811], [0.0, 0.0], [0.5622, -0.2811]]\ny_hat = 0.4378"
    assert leaked(printed, expected, given_numbers(release))
    assert not leaked("L = 0.1669\nfc1.weight (3, 2): [[1.0, 0.5], [-1.0, 1.0]]", expected, given_numbers(release))


# --- one graded batch for the whole module ------------------------------------------------------------

HAND_WRITTEN = {"04_mlp": "backpropagation", "06_three_layer_bce": "three_layer_backward"}
AUTOGRAD_MISTAKES = {"04_mlp": ["mistake_bp_uses_autograd", "mistake_bp_autograd_fresh_forward"],
                     "06_three_layer_bce": ["mistake_backward_uses_autograd"]}


def cells_calling(assignment, function):
    """grade_ids of the graded test cells whose code (hidden part included) calls `function`."""
    call = re.compile(rf"(?<![\w.]){function}\b(?!\s*=)")
    return {cell.metadata["nbgrader"]["grade_id"] for cell in nbformat.read(assignment.source(ROOT), as_version=4).cells
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")
            and call.search(cell.source.replace(f"def {function}", ""))}


@pytest.fixture(scope="module")
def submissions():
    found = {}
    for assignment, cells in LITERAL:
        variant = Variant("wrong_tables", {gid: wrong_answers(src) for gid, src in cells.items()}, frozenset({"?"}))
        found[("wrong_tables", assignment.name)] = build_submission(assignment.release(ROOT), assignment.source(ROOT), variant)
    for name, mistakes in AUTOGRAD_MISTAKES.items():
        assignment = assignment_named(name)
        for mistake in mistakes:
            variant = load(SUBMISSIONS / name / f"{mistake}.py")
            found[(mistake, name)] = build_submission(assignment.release(ROOT), assignment.source(ROOT), variant)
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory, submissions):
    scratch = scratch_class(tmp_path_factory.mktemp("content") / "course", submissions)
    _, scores = grade_with_backprop_lab(scratch, "--timeout", "60")
    return scratch, scores


def test_no_cell_a_student_runs_prints_a_graded_answer(graded):
    scratch, _ = graded
    for assignment, cells in LITERAL:
        release = nbformat.read(assignment.release(ROOT), as_version=4)
        expected = [e for solution in cells.values() for e in expected_numbers(solution)]
        ran = nbformat.read(scratch / "autograded" / "wrong_tables" / assignment.name / f"{assignment.notebook}.ipynb",
                            as_version=4)
        found = leaked(output_text(ran), expected, given_numbers(release))
        assert not found, f"{assignment.name}: the release shows values of {sorted(cells)}: {found}"


@pytest.mark.parametrize("name", sorted(HAND_WRITTEN))
def test_autograd_scores_zero_wherever_the_function_is_called(graded, name):
    _, scores = graded
    calling = cells_calling(assignment_named(name), HAND_WRITTEN[name])
    assert len(calling) >= 5, calling
    for mistake in AUTOGRAD_MISTAKES[name]:
        cells = scores[(mistake, name)]
        earned = {cell: cells[cell] for cell in calling if cells[cell][0] > 0}
        assert not earned, f"{name}/{mistake} uses autograd and still earns points on {earned}"
        assert calling == load(SUBMISSIONS / name / f"{mistake}.py").lose, \
            f"{mistake}.py should name every cell that calls {HAND_WRITTEN[name]} after '# lose:'"


def test_autograd_scores_zero_under_stock_nbgrader(tmp_path, submissions):
    """Under stock nbgrader student code runs in the test's own process: the refusal must hold there
    too, even against a solution that kept its own reference to torch.autograd.grad."""
    picked = {key: nb for key, nb in submissions.items() if key[0] in ("mistake_bp_uses_autograd",
                                                                       "mistake_backward_uses_autograd")}
    scratch = scratch_class(tmp_path / "course", picked)
    scores = grade_with_nbgrader(scratch, shards=1)   # one student per assignment: no split
    for (mistake, name) in picked:
        cells = scores[(mistake, name)]
        earned = {cell: cells[cell] for cell in cells_calling(assignment_named(name), HAND_WRITTEN[name])
                  if cells[cell][0] > 0}
        assert not earned, f"stock nbgrader: {name}/{mistake} earns points with autograd on {earned}"


# --- the refusal itself ---------------------------------------------------------------------------------

def test_call_without_autograd_refuses_autograd_only():
    from torch.autograd import grad as saved_grad   # a reference taken before the refusal starts

    w = torch.randn(3, dtype=torch.float64, requires_grad=True)

    def by_grad():
        return torch.autograd.grad((w ** 2).sum(), [w])

    def by_saved_reference():
        with torch.inference_mode(False), torch.enable_grad():
            return saved_grad((w ** 2).sum(), [w])

    def by_backward():
        (w ** 2).sum().backward()
        return w.grad

    for cheat in (by_grad, by_saved_reference, by_backward):
        with pytest.raises(AssertionError, match="diagnosis: autograd"):
            call_without_autograd(cheat)

    def own_runtime_error():
        raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy()")

    def stub():
        raise NotImplementedError()

    with pytest.raises(RuntimeError, match="numpy"):      # the student's own error, not "autograd"
        call_without_autograd(own_runtime_error)
    with pytest.raises(NotImplementedError):
        call_without_autograd(stub)
    assert torch.equal(call_without_autograd(lambda: 2 * w.detach()), 2 * w.detach())
    # and autograd works again afterwards
    assert torch.allclose(torch.autograd.grad((w ** 2).sum(), [w])[0], 2 * w)


# --- one notation --------------------------------------------------------------------------------------

# Ways of writing layers, losses and gradients that the course once mixed with the table's
# z^[l] = a^[l-1] W^[l]T + b^[l], a^[l] = g(z^[l]), a^[0] = x, script L for the loss, L for the depth.
# Each is searched for in the source of every cell (markdown and code) of every notebook.
OTHER_NOTATIONS = {
    "layer index in round brackets, W^(1) or z^{(2)}": r"\^\{?\(",
    "\\ell as the layer index": r"\\ell",
    "z_{in} / z_{out} for pre-activation and activation": r"_\{in\}|_\{out\}",
    "\\Delta for a gradient": r"\\Delta",
    "layer as a subscript, h_1, W_2, z_3": r"\b[hWz]_[123]\b",
    "h for an activation, or a bare z, as a dictionary key": r'"h[23]"|"z"',
    "dL_dh for the gradient at an activation": r"dL_dh",
    "plain L for the loss (L is the depth)": r"\\partial L\b",
    "a double superscript such as W^{[1]}^\\top, which MathJax cannot show": r"\]\}\^",
}
# Known and meant: 03 counts a single layer's inputs x_1 ... x_{in} (`in` is the layer's argument).
NOTATION_ALLOWED = {"03_linear_layer": ["x_{in}"]}
FORBIDDEN = re.compile("|".join(f"(?P<p{i}>{pattern})" for i, pattern in enumerate(OTHER_NOTATIONS.values())))


def other_notations(text, assignment_name=""):
    """[(what the course does not write, the text around it)] for every forbidden pattern in text."""
    for allowed in NOTATION_ALLOWED.get(assignment_name, []):
        text = text.replace(allowed, "")
    names = list(OTHER_NOTATIONS)
    return [(names[int(match.lastgroup[1:])], text[max(0, match.start() - 25):match.end() + 25])
            for match in FORBIDDEN.finditer(text)]


def every_notebook():
    for assignment in course.written_assignments(ROOT):
        for kind, path in (("source", assignment.source(ROOT)), ("release", assignment.release(ROOT))):
            yield assignment, kind, nbformat.read(path, as_version=4)


NOTEBOOKS = list(every_notebook())
NOTEBOOK_IDS = [f"{kind}/{assignment.name}" for assignment, kind, _ in NOTEBOOKS]


def notation_cells(notebook):
    return [(i, cell) for i, cell in enumerate(notebook.cells)
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "notation"]


@pytest.mark.parametrize("assignment, kind, notebook", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_the_notation_table_is_near_the_top(assignment, kind, notebook):
    cells = notation_cells(notebook)
    assert len(cells) == 1, f"{kind}/{assignment.name}: {len(cells)} cells with grade_id 'notation', expected 1"
    index, cell = cells[0]
    assert cell.cell_type == "markdown" and cell.metadata["nbgrader"].get("locked"), "the table is a locked markdown cell"
    first_exercise = next((i for i, c in enumerate(notebook.cells) if c.metadata.get("nbgrader", {}).get("solution")),
                          len(notebook.cells))
    assert index <= 2 and index < first_exercise, f"{kind}/{assignment.name}: the table is cell {index}"
    for definition in (r"z^{[l]} = a^{[l-1]} W^{[l]\top} + b^{[l]}", r"a^{[l]} = g^{[l]}(z^{[l]})", "x = a^{[0]}",
                       r"$\mathcal{L}$ | the loss", "$L$ | the depth"):
        assert definition in cell.source, f"{kind}/{assignment.name}: the table lacks {definition!r}"


def test_the_notation_table_is_the_same_everywhere():
    tables = {}
    for assignment, kind, notebook in NOTEBOOKS:
        tables.setdefault(notation_cells(notebook)[0][1].source, []).append(f"{kind}/{assignment.name}")
    assert len(tables) == 1, "the notation tables differ: " + " | ".join(", ".join(names) for names in tables.values())


@pytest.mark.parametrize("assignment, kind, notebook", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_no_cell_uses_another_notation(assignment, kind, notebook):
    found = [f"cell {i} ({cell.metadata.get('nbgrader', {}).get('grade_id') or cell.id}): {what}: {around!r}"
             for i, cell in enumerate(notebook.cells) for what, around in other_notations(cell.source, assignment.name)]
    assert not found, f"{kind}/{assignment.name} writes in another notation:\n" + "\n".join(found)


@pytest.mark.parametrize("text", [
    r"$W^{(1)}$ maps the input", r"$z^{(2)} = W^{(1)} a^{(1)}$", r"\delta^{(\ell)}", r"layer $\ell$",
    r"$z_{in} = x W^\top$", r"$a = z_{out}$", r"$\Delta W$", "h_1 = tanh(z_1)", "the gradient of W_2",
    'values["h2"]', 'cache["z"]', "dL_dh1 = dL_dz2 @ W", r"$\partial L / \partial W$", r"$dz^{[2]}^\top a^{[1]}$",
    r"$W^{[1]}^\top$"])
def test_another_notation_is_found(text):
    assert other_notations(text), f"{text!r} should be refused"


def test_the_allowed_exception_is_narrow():
    text = r"Take one example with `in` numbers $x_1, \dots, x_{in}$."
    assert not other_notations(text, "03_linear_layer")
    assert other_notations(text, "04_mlp")                               # only where it is meant
    assert other_notations(text + r" and $z_{out}$", "03_linear_layer")  # and nothing else there
    assert not other_notations(r"$\partial \mathcal{L} / \partial W^{[l]}$, $a^{[l]} = g(z^{[l]})$, W_in, x_1")
