"""What a graded class hands its students keeps the hidden tests hidden and stays inert.

One small class (01_loss and 02_activations: correct answers, realistic mistakes, a blank
notebook, a student whose code prints a line of a hidden test, and one whose outputs and
markdown answer carry script) is graded once; every feedback page, each student's Gradescope
results.json and the CSV files are then read as a student or instructor would."""
import csv
import json
import os
import re

import nbformat
import pytest
from bs4 import BeautifulSoup

import lab
from backprop_lab.grading import gradescope
from backprop_lab.grading.grade import Submission
from classes import assignment_named, grade_with_backprop_lab, scratch_class, student_notebook
from conftest import ROOT
from variants import variants

LOSS, ACTIVATIONS = assignment_named("01_loss"), assignment_named("02_activations")
HIDDEN_BLOCK = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
MIN_LINE = 16  # shorter hidden lines ("loss.backward()") are everyday code, also seen elsewhere
PLANTED = "document.title='pwned'"
# Script in every place a submission can put HTML: a display, a markdown display, a markdown answer.
PLANTED_CELL = f'''from IPython.display import HTML, Markdown, display
display(HTML("<b>bold</b><img src=x onerror=\\"{PLANTED}\\"><script>{PLANTED}</script>"))
display(Markdown("*mine* <img src=y onerror=\\"{PLANTED}\\">"))
'''
PLANTED_ANSWER = f'About $h = 10^{{-5}}$. <img src=z onerror="{PLANTED}"><script>{PLANTED}</script>'
INNOCENT_PRINT = "my own debugging line"


def variant(assignment, name):
    return student_notebook(assignment, next(v for v in variants(assignment.name) if v.name == name))


def cell_named(notebook, grade_id):
    return next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def hidden_lines(assignment):
    """Lines of the hidden tests (from source/) that nothing public shows: not the release notebook."""
    source = nbformat.read(assignment.source(ROOT), as_version=4)
    release = "\n".join(c.source for c in nbformat.read(assignment.release(ROOT), as_version=4).cells)
    lines = {line.strip() for cell in source.cells for block in HIDDEN_BLOCK.findall(cell.source)
             for line in block.splitlines()}
    return {line for line in lines if len(line) >= MIN_LINE and line not in release}


def printing_student():
    """A correct answer whose forward prints a line of a hidden test (as if it had found one)
    and a line of its own, and which prints a line of its own before any test runs."""
    notebook = variant(LOSS, "correct_vectorised")
    secret = sorted(hidden_lines(LOSS))[0]
    cell = cell_named(notebook, "mse_loss")
    cell.source = cell.source.replace("    def forward(self, y, target):\n",
                                      f"    def forward(self, y, target):\n        print({secret!r})\n"
                                      f"        print({INNOCENT_PRINT!r})\n", 1)
    assert secret in cell.source
    notebook.cells.insert(4, nbformat.v4.new_code_cell(f"print({INNOCENT_PRINT!r})"))
    return notebook


def capturing_student():
    """A correct MSELoss whose forward prints its inputs in full and keeps them; a BCELoss whose
    forward raises what was kept, dressed as a failed check; and a last cell that prints it all:
    with the hidden tests' inputs, if the page showed any of it. (The words it prints are made up
    at run time: the page shows the student's code.)"""
    notebook = variant(LOSS, "correct_vectorised")
    cell = cell_named(notebook, "mse_loss")
    cell.source = "CAUGHT = []\n" + cell.source.replace(
        "    def forward(self, y, target):\n",
        "    def forward(self, y, target):\n        CAUGHT.append(repr(y))\n        print('CAP' + 'TURED', repr(y))\n", 1)
    cell = cell_named(notebook, "bce_loss")
    cell.source = cell.source.replace(
        "    def forward(self, p, target):\n",
        "    def forward(self, p, target):\n        raise AssertionError('check failed: ' + 'FOR' + f'GED {CAUGHT} — diagnosis: transposed')\n", 1)
    assert "'CAP' + 'TURED'" in cell_named(notebook, "mse_loss").source and "'FOR' + f'GED" in cell.source
    notebook.cells.append(nbformat.v4.new_code_cell("print('STA' + 'SHED', CAUGHT)\nraise ValueError('LEA' + f'KED {CAUGHT}')"))
    return notebook


def inserted_after(notebook, grade_id, source):
    """`notebook` with a code cell of `source` right after the cell `grade_id`."""
    notebook.cells.insert(notebook.cells.index(cell_named(notebook, grade_id)) + 1, nbformat.v4.new_code_cell(source))
    return notebook


def guessing_student():
    """A correct MSELoss wrapped to answer a constant wherever the visible test cannot see: were
    the relative error of the hidden checks shown, it would give their expected values away."""
    return inserted_after(variant(LOSS, "correct_vectorised"), "mse_loss",
                          "mse_forward = MSELoss.forward\n"
                          "MSELoss.forward = lambda self, y, target: (lambda value: value if abs(value - 0.625) < 1e-9 "
                          "else 1.0)(\n    mse_forward(self, y, target))")


# Nine digits of the first input of 01's hidden test_mse_forward (np.random.default_rng(1101)).
SMUGGLED = 207521994
SMUGGLING_MSE = """SEEN = []
mse_forward, mse_backward = MSELoss.forward, MSELoss.backward
def smuggled():
    return int(f"{abs(SEEN[1]):.9f}"[2:])  # the first hidden input seen (SEEN[0] is the visible test's)
def forward(self, y, target):
    SEEN.append(float(np.ravel(y)[0]))
    return mse_forward(self, y, target)
def backward(self):
    gradient = mse_backward(self)
    return gradient if gradient.shape == (3, 2) else np.zeros((0, smuggled()))  # in a shape, to hidden checks
MSELoss.forward, MSELoss.backward = forward, backward
"""
SMUGGLING_BCE = """def bce_forward(self, p, target):
    return float(smuggled())  # to a visible test, whose message quotes it
def bce_backward(self):
    raise type(f"Leak{smuggled()}", (Exception,), {})()  # in a class name
BCELoss.forward, BCELoss.backward = bce_forward, bce_backward
"""


def smuggling_student():
    """A correct MSELoss that keeps what the hidden tests hand it, then hands it back in what the
    tests print of its results: a shape, a value a visible test quotes, an exception's class name."""
    return inserted_after(inserted_after(variant(LOSS, "correct_vectorised"), "mse_loss", SMUGGLING_MSE),
                          "bce_loss", SMUGGLING_BCE)


def planting_student():
    notebook = variant(LOSS, "mistake_mse_backward_sign")
    notebook.cells.insert(3, nbformat.v4.new_code_cell(PLANTED_CELL))
    cell_named(notebook, "epsilon_answer").source = PLANTED_ANSWER
    return notebook


CLASS = {
    ("correct", LOSS.name): lambda: variant(LOSS, "correct_vectorised"),
    ("sign", LOSS.name): lambda: variant(LOSS, "mistake_mse_backward_sign"),
    ("cache", LOSS.name): lambda: variant(LOSS, "mistake_bce_stale_cache"),
    ("inplace", LOSS.name): lambda: variant(LOSS, "mistake_mse_modifies_input"),
    ("blank", LOSS.name): lambda: nbformat.read(LOSS.release(ROOT), as_version=4),
    ("printer", LOSS.name): printing_student,
    ("capturer", LOSS.name): capturing_student,
    ("planter", LOSS.name): planting_student,
    ("guesser", LOSS.name): guessing_student,
    ("smuggler", LOSS.name): smuggling_student,
    ("correct", ACTIVATIONS.name): lambda: variant(ACTIVATIONS, "correct_loops"),
    ("zeros", ACTIVATIONS.name): lambda: variant(ACTIVATIONS, "mistake_backward_returns_zeros"),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    scratch = scratch_class(tmp_path_factory.mktemp("privacy") / "course", {key: make() for key, make in CLASS.items()})
    done, scores = grade_with_backprop_lab(scratch)
    return scratch, scores


def page(scratch, student, assignment):
    return (scratch / "feedback" / student / assignment.name / f"{assignment.notebook}.html").read_text()


def text_of(html):
    return " ".join(BeautifulSoup(html, "html.parser").get_text().split())


def results_json(scratch, student):
    """Gradescope's results.json for one student, from the class's grading."""
    with open(scratch / "cell_results.csv") as f:
        rows = [{**row, "score": float(row["score"] or 0), "max_score": float(row["max_score"])}
                for row in csv.DictReader(f) if row["student"] == student]
    submissions = [Submission(student, a, scratch / "submitted" / student / a.name)
                   for a in (LOSS, ACTIVATIONS) if (student, a.name) in CLASS]
    return json.dumps(gradescope.results_json(scratch, submissions, rows))


def everything_handed_out(scratch):
    """(what, text, the student's own code on it) for every page, results.json and CSV file."""
    for student, name in CLASS:
        assignment = assignment_named(name)
        submitted = nbformat.read(scratch / "submitted" / student / name / f"{assignment.notebook}.ipynb", as_version=4)
        own = "\n".join(cell.source for cell in submitted.cells)
        yield f"{student}/{name} page", text_of(page(scratch, student, assignment)), own
    for student in {student for student, _ in CLASS}:
        yield f"{student} results.json", results_json(scratch, student), ""
    for name in ("grades.csv", "cell_results.csv"):
        yield name, (scratch / name).read_text(), ""


def test_no_hidden_test_line_is_handed_out(graded):
    scratch, _ = graded
    secrets = hidden_lines(LOSS) | hidden_lines(ACTIVATIONS)
    assert len(secrets) > 100
    for what, text, own in everything_handed_out(scratch):
        squeezed = " ".join(text.split())
        assert "HIDDEN TESTS" not in text, what
        assert not [line for line in secrets if " ".join(line.split()) in squeezed and line not in own], what


def test_expected_values_of_hidden_tests_are_not_shown(graded):
    """Test cells whose visible part is only comments fail in their hidden part alone: no line of
    their error messages (expected values, inputs) is on the page."""
    scratch, _ = graded
    shown = 0
    for student, name in CLASS:
        assignment = assignment_named(name)
        autograded = nbformat.read(scratch / "autograded" / student / name / f"{assignment.notebook}.ipynb", as_version=4)
        text = text_of(page(scratch, student, assignment))
        for cell in autograded.cells:
            code = HIDDEN_BLOCK.sub("", cell.source) if cell.cell_type == "code" else ""
            if "### BEGIN HIDDEN TESTS" not in cell.source or any(
                    line.strip() and not line.strip().startswith("#") for line in code.splitlines()):
                continue
            for error in (o for o in cell.outputs if o.output_type == "error"):
                lines = [" ".join(line.split()) for line in error.evalue.splitlines()
                         if len(line.strip()) >= MIN_LINE and re.search(r"\d", line)]  # numbers: inputs, expected values
                shown += len(lines)
                assert not [line for line in lines if line in text], (student, cell.metadata.nbgrader.grade_id)
    assert shown > 5  # the mistakes did fail there


def checks_on(html):
    """[(description, passed)] of every hidden check listed on a page."""
    soup = BeautifulSoup(html, "html.parser")
    return [(" ".join(item.get_text().split()).rsplit(":", 1)[0], "check-passed" in item["class"])
            for item in soup.select("div.hidden-checks li")]


def test_correct_pages_show_every_check_passed(graded):
    scratch, scores = graded
    for name in (LOSS.name, ACTIVATIONS.name):
        assert all(score == top for score, top in scores[("correct", name)].values())
        checks = checks_on(page(scratch, "correct", assignment_named(name)))
        assert len(checks) >= 5 and all(passed for _, passed in checks), checks


def test_failed_hidden_checks_are_described(graded):
    scratch, scores = graded
    for student, name in [("sign", LOSS.name), ("cache", LOSS.name), ("inplace", LOSS.name),
                          ("blank", LOSS.name), ("zeros", ACTIVATIONS.name)]:
        html = page(scratch, student, assignment_named(name))
        failed = [description for description, passed in checks_on(html) if not passed]
        assert failed, student
        # every failed check says what it checked: by its own description (a check of
        # backprop_lab.checks), or as the hidden tests of its cell when the error names none
        assert all(description.strip() and "BEGIN HIDDEN" not in description for description in failed), failed
        assert "details withheld" in text_of(html) or student == "blank"


def test_visible_tests_are_shown_as_they_are(graded):
    scratch, _ = graded
    text = text_of(page(scratch, "sign", LOSS))
    assert "assert_close(loss.forward(np.array([[0.5, 1.0]]), np.array([[0.0, 2.0]])), 0.625," in text
    # the visible test's failed check; not its values: a hidden part ran before (test_mse_forward's)
    assert "check failed: MSELoss.backward() for y of shape (3, 2) (wrong sign)" in text
    assert "got -0.4567738627" not in text and "run the test in your notebook" in text


def test_printed_hidden_lines_are_withheld_and_own_output_stays(graded):
    scratch, scores = graded
    text = text_of(page(scratch, "printer", LOSS))
    assert "output withheld: it quotes a hidden test" in text
    assert INNOCENT_PRINT in text
    assert scores[("printer", LOSS.name)] == scores[("correct", LOSS.name)]


def test_what_student_code_saw_of_hidden_tests_is_not_handed_out(graded):
    scratch, scores = graded
    text = text_of(page(scratch, "capturer", LOSS))
    handed_out = text + results_json(scratch, "capturer")
    for said in ("CAPTURED", "STASHED", "LEAKED", "FORGED"):
        assert said not in handed_out, said
    assert "printed after hidden tests ran" in text and "raised after hidden tests ran" in text
    assert "ValueError" in text  # the type of the student's own error stays
    mse = [cell for cell in scores[("capturer", LOSS.name)] if cell.startswith("test_mse")]
    assert all(scores[("capturer", LOSS.name)][c] == scores[("correct", LOSS.name)][c] for c in mse)


def test_how_far_a_hidden_check_missed_is_not_shown(graded):
    """A failed hidden check says the value is wrong, not by how much; the instructor's notebook does."""
    scratch, _ = graded
    html = page(scratch, "guesser", LOSS)
    autograded = (scratch / "autograded" / "guesser" / LOSS.name / f"{LOSS.notebook}.ipynb").read_text()
    measured = set(re.findall(r"MSELoss\(\)\.forward on a batch of shape \(\d+, \d+\) — diagnosis: wrong_value "
                              r"\((relative error [^)]+)\)", autograded))
    assert measured  # the instructor's notebook has them
    failed = [text for text, passed in checks_on(html) if not passed]
    assert [text for text in failed if text.startswith("MSELoss().forward on a batch")], failed
    assert "wrong value" in text_of(html) and not [text for text in failed if "relative error" in text]
    handed_out = text_of(html) + results_json(scratch, "guesser")
    assert not [figure for figure in measured if figure in handed_out]


def test_what_student_code_returns_after_hidden_tests_carries_nothing_out(graded):
    scratch, _ = graded
    autograded = (scratch / "autograded" / "smuggler" / LOSS.name / f"{LOSS.notebook}.ipynb").read_text()
    for carrier in (f"(0, {SMUGGLED})", f"got:      {SMUGGLED}", f"Leak{SMUGGLED}"):  # a shape, a value, a class name
        assert carrier in autograded, carrier
    text = text_of(page(scratch, "smuggler", LOSS))
    for handed_out in (text, results_json(scratch, "smuggler")):
        assert str(SMUGGLED) not in handed_out
    assert "BCELoss().forward(p=[[0.8, 0.4]], target=[[1, 0]])" in text  # the failed visible check still named


def test_planted_script_is_inert(graded):
    scratch, _ = graded
    html = page(scratch, "planter", LOSS)
    assert "<b>bold</b>" in html and "<em>mine</em>" in html  # the harmless markup stays
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all("script")
    assert not [(tag.name, name) for tag in soup.find_all(True) for name in tag.attrs if name.startswith("on")]
    assert "Content-Security-Policy" in html


def test_formulas_need_no_network(graded):
    scratch, _ = graded
    html = page(scratch, "planter", LOSS)
    assert html.count("<math") > 20 and "MathJax" not in html and "$\\partial" not in html
    assert "<msup><mn>10</mn>" in html  # the markdown answer's $h = 10^{-5}$
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)


def test_a_page_offline_in_chromium(graded):
    """As a student opens it, without a network: formulas drawn, the failed check shown, no hidden
    code, and the planted script never ran."""
    if not lab.CHROMIUM.exists() and os.environ.get("CI") != "true":
        pytest.skip(f"no Chromium at {lab.CHROMIUM}")
    from playwright.sync_api import sync_playwright

    scratch, _ = graded
    path = scratch / "feedback" / "planter" / LOSS.name / f"{LOSS.notebook}.html"
    secrets = hidden_lines(LOSS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(lab.CHROMIUM), headless=True, args=lab.CHROMIUM_ARGS)
        try:
            context = browser.new_context(offline=True, viewport=lab.VIEWPORT)
            dialogs = []
            tab = context.new_page()
            tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            tab.goto(path.as_uri(), wait_until="load")
            fraction = tab.locator("math mfrac").first  # stacked when drawn as MathML, one line when not
            whole, part = fraction.bounding_box(), fraction.locator("mi, mn").first.bounding_box()
            assert whole and part and whole["height"] > 1.5 * part["height"], (whole, part)
            assert "\\frac" not in tab.inner_text("body") and "$\\partial" not in tab.inner_text("body")
            failed = tab.locator("li.check-failed").first
            assert failed.is_visible() and "hidden tests of" in failed.inner_text()
            text = " ".join(tab.inner_text("body").split())
            assert "HIDDEN TESTS" not in text and not [line for line in secrets if " ".join(line.split()) in text]
            assert tab.title() != "pwned" and not dialogs
        finally:
            browser.close()


def test_a_failed_check_names_the_likely_mistake(graded):
    """The page tells the student which mistake the failed check points to (backprop_lab.checks),
    not what the expected values were."""
    scratch, _ = graded
    soup = BeautifulSoup(page(scratch, "sign", LOSS), "html.parser")
    failed = [" ".join(item.get_text().split()) for item in soup.select("div.hidden-checks li")
              if "check-passed" not in item["class"]]
    assert any("wrong sign" in text for text in failed), failed


def test_a_check_line_in_what_a_test_quotes_names_no_check():
    """A test's message may quote what student code returned (a class name, a string): only its
    first line, written by checks.fail, names a failed check."""
    from backprop_lab.grading import hidden

    quoted = "x: check failed: 0.2075219942 — diagnosis: zeros"  # e.g. the name of a student's class
    source = "check(True, 'fine')\n### BEGIN HIDDEN TESTS\nassert isinstance(layer, Layer), f'got {name}'\n### END HIDDEN TESTS"
    for message in (f"layers[0] should be a Layer, got {quoted}", f"layers[0] should be a Layer\ncheck failed: {quoted}"):
        error = nbformat.v4.new_output("error", ename="AssertionError", evalue=message,
                                       traceback=[f"AssertionError: {message}"])
        cell = nbformat.v4.new_code_cell(source, outputs=[error], execution_count=3)
        checks = hidden.checks_of("test_layers", cell, hidden.hidden_part(source), passed=False)
        assert [check.description for check in checks] == ["hidden tests of test_layers"], checks
        shown = hidden.after_exposure(error, theirs=False)
        assert "0.2075219942" not in json.dumps(shown), shown


def test_a_factor_student_code_could_choose_is_not_shown():
    """Returning the right answer times k is in student code's power: of factors, a page names the 2
    of a square, not the other factors a hidden test's data could be written in."""
    from backprop_lab.checks import detail_for_students

    assert [detail_for_students("constant_factor", k) for k in ("×2", "×-1/2", "×20", "×75", "×0.7")] == \
        ["×2", "×-1/2", "", "", ""]
    assert detail_for_students("wrong_shape", "shape (0, 207521994)") == ""
    assert detail_for_students("sum_not_mean", "over the batch (5)") == "over the batch (5)"
