"""What a student may see of a test cell that has hidden tests.

The lines between `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS` (markers included) are
the cell's hidden part; the rest is its visible part, shown as it is. Of the hidden part a
student sees a list of checks, each a `Check`:

    Check(description="MSELoss.backward on batches of three other shapes", passed=False,
          diagnosis="transposed")          # diagnosis: None when none applies or it passed

The checks are the failed checks the test's error names (backprop_lab.checks), or one generic
check, "hidden tests of <grade_id>": passed / failed / not run. The feedback page (feedback.py)
and Gradescope's results.json (gradescope.py) render the list they get.

The outputs of such a cell are redacted, since a traceback quotes the failing source line and an
assertion message prints the expected value:
- an output that quotes a secret line (a hidden line found nowhere else in the notebook) is
  withheld, whatever printed it;
- an error not placed in the visible part by its traceback is replaced by a neutral message
  naming the failed check;
- the value of the cell's last expression is dropped when that expression is hidden.

Once a hidden part has run, student code has seen its inputs and what it was handed back, and
everything it makes from then on may carry them: what it prints, shows and raises, and what it
returns to the tests, which their messages quote (values, shapes, dtypes, type names). In that
cell and every later one, printed and displayed outputs are withheld; of an error, a student
reads its type name if it is Python's or the grader's, and of a test's error its failed checks,
each with its diagnosis and the detail made from the test's own data
(checks.detail_for_students); the rest is withheld. Before, what student code prints is its own
and stays. Only failed checks the test raised name a check: an error student code raised is one
whatever its message reads (checks.raised_by_student).
"""
import dataclasses
import re

import nbformat

from ..checks import detail_for_students, failure_of, raised_by_student
from .kernel import BUILTIN_ERRORS, GRADER_ERRORS, StudentCodeError

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
MIN_SECRET = 16  # shorter hidden lines ("else:", "loss.backward()") say nothing of the test
WITHHELD = "(output withheld: it quotes a hidden test)"
WITHHELD_AFTER = "(output withheld: printed after hidden tests ran, whose data it could quote)"
_NOTES = {WITHHELD + "\n", WITHHELD_AFTER + "\n"}
_CELL_FRAME = re.compile(r"Cell In\[(\d+)\], line (\d+)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclasses.dataclass(frozen=True)
class Check:
    description: str
    passed: bool
    diagnosis: str | None = None

    def summary(self) -> str:
        outcome = "passed" if self.passed else "failed"
        return f"{self.description}: {outcome}" + (f" ({self.diagnosis})" if self.diagnosis else "")


@dataclasses.dataclass(frozen=True)
class HiddenPart:
    visible_source: str
    hidden_lines: frozenset   # 1-based numbers of the cell's hidden lines, markers included
    last_line_hidden: bool    # the cell's last statement is hidden (its value is the hidden test's)


def hidden_part(source: str) -> HiddenPart | None:
    """The hidden part of a test cell's source (from the gradebook), or None if it has none."""
    lines = source.splitlines()
    hidden, inside = set(), False
    for number, line in enumerate(lines, start=1):
        if line.strip() == BEGIN:
            inside = True
        if inside:
            hidden.add(number)
        if line.strip() == END:
            inside = False
    if not hidden:
        return None
    visible = [line for number, line in enumerate(lines, start=1) if number not in hidden]
    code = [number for number, line in enumerate(lines, start=1) if line.strip() and not line.lstrip().startswith("#")]
    return HiddenPart("\n".join(visible).rstrip("\n"), frozenset(hidden), bool(code) and code[-1] in hidden)


def secret_lines(sources: list[str]) -> set[str]:
    """Hidden lines (stripped) of these cell sources that no visible line shows, even in part."""
    hidden, public = set(), set()
    for source in sources:
        part = hidden_part(source)
        numbered = list(enumerate(source.splitlines(), start=1))
        for number, line in numbered:
            (hidden if part and number in part.hidden_lines else public).add(line.strip())
    shown = "\n".join(public)
    return {line for line in hidden if len(line) >= MIN_SECRET and line not in shown and line not in (BEGIN, END)}


def quotes(text: str, secrets: set[str]) -> bool:
    return any(secret in text for secret in secrets)


def checks_of(grade_id: str, cell, part: HiddenPart, passed: bool) -> list[Check]:
    """The hidden part's checks: those that failed, named with their diagnosis from the test's
    error (backprop_lab.checks' first line, `check failed: ... — diagnosis: ...`), or one
    generic check when the error names none (or nothing failed)."""
    result = outcome(cell, part, passed)
    if result == "failed":
        raised = [output for output in cell.get("outputs", [])
                  if output.get("output_type") == "error" and not raised_by_student(output)]
        failures = [failure_of(str(error.get("evalue", ""))) for error in raised]
        named = [Check(failure["description"], False, _diagnosis_shown(failure)) for failure in failures if failure]
        if named:
            return named
    return generic_checks(grade_id, result)


def _diagnosis_shown(failure) -> str:
    """A failed check's diagnosis, with the part of its detail a student may read."""
    detail = detail_for_students(failure["diagnosis"], failure["detail"])
    return failure["diagnosis"].replace("_", " ") + (f" ({detail})" if detail else "")


def generic_checks(grade_id: str, outcome: str) -> list[Check]:
    """The one check a hidden part is until named checks exist; outcome: passed, failed, not run."""
    diagnosis = "not run, since the visible test above failed" if outcome == "not run" else None
    return [Check(f"hidden tests of {grade_id}", outcome == "passed", diagnosis)]


def outcome(cell, part: HiddenPart, passed: bool) -> str:
    """passed, failed (in the hidden part or by the grader's verdict) or not run (the visible part failed)."""
    if passed:
        return "passed"
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if errors and all(_raised_in_visible_part(error, cell, part) for error in errors):
        return "not run"
    return "failed"


def ran(cell, part: HiddenPart, passed: bool) -> bool:
    """Whether the hidden part ran (passed or failed): from then on student code has seen its data."""
    return outcome(cell, part, passed) != "not run"


def student_view(cell, part: HiddenPart, checks: list[Check], secrets: set[str], exposed: bool) -> list:
    """The outputs of a test cell with a hidden part, as a student may see them; `exposed`: a
    hidden part ran before this cell or in it (`ran`)."""
    failed = next((check for check in checks if not check.passed), None)
    shown = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "execute_result" and part.last_line_hidden:
            continue
        if kind == "error":
            shown.append(_error_view(output, cell, part, failed, secrets, exposed))
        else:
            shown.append(_other_view(output, secrets, exposed))
    return _one_note_each(shown)


def redacted(outputs: list, secrets: set[str], exposed: bool, tests: bool) -> list:
    """The outputs of any other cell: those that quote a secret line withheld, and once a hidden
    part has run (`exposed`) what student code printed, showed or raised; `tests`: the cell ran
    in the test process, where only errors marked as raised by student code are the student's."""
    shown = []
    for output in outputs:
        if output.get("output_type") != "error":
            shown.append(_other_view(output, secrets, exposed))
        elif quotes(_text_of(output), secrets):
            shown.append(_withheld(WITHHELD))
        else:
            theirs = raised_by_student(output) or not tests
            shown.append(after_exposure(output, theirs) if exposed else output)
    return _one_note_each(shown)


def _other_view(output, secrets, exposed):
    """A printed or displayed output: withheld if it quotes a secret line, or once a hidden part has run."""
    if quotes(_text_of(output), secrets):
        return _withheld(WITHHELD)
    return _withheld(WITHHELD_AFTER) if exposed else output


def _withheld(note):
    return nbformat.v4.new_output("stream", name="stdout", text=note + "\n")


def _one_note_each(outputs):
    """Withheld outputs in a row as one note."""
    kept = []
    for output in outputs:
        if output.get("text") in _NOTES and kept and kept[-1].get("text") == output.get("text"):
            continue
        kept.append(output)
    return kept


def _error_view(error, cell, part, failed, secrets, exposed):
    if quotes(_text_of(error), secrets):
        return _failed_hidden_check(error, failed)
    if error.get("ename") in GRADER_ERRORS:
        return error
    if _raised_in_visible_part(error, cell, part):
        return after_exposure(error, raised_by_student(error)) if exposed else error
    return _failed_hidden_check(error, failed)


def _failed_hidden_check(error, failed):
    which = failed.description if failed else "a hidden check"
    return _neutral(error, f"failed: {which} (details withheld: they would show the hidden test)")


def after_exposure(error, theirs):
    """An error once a hidden part has run. Student code has seen the hidden test's data and
    shaped what it raised, and what it returned to the tests (their messages show it): of a
    test's error only the failed checks stay, each as a hidden check is shown; of the student's,
    nothing but its type."""
    if error.get("ename") in GRADER_ERRORS and not theirs:
        return error
    failure = None if theirs else failure_of(str(error.get("evalue", "")))
    if failure is None:
        return _neutral(error, "message withheld: raised after hidden tests ran, whose data it could quote")
    said = f"check failed: {failure['description']} ({_diagnosis_shown(failure)})"
    return _neutral(error, f"{said} (the rest withheld: it shows what your code returned after hidden tests "
                           "ran; run the test in your notebook to read it)")


def _neutral(error, message):
    """The error with `message`, under its type name if that is Python's or the grader's (student
    code names its exception classes as it likes: after a hidden test, with the test's data)."""
    name = shown_type(error.get("ename", ""))
    return nbformat.v4.new_output("error", ename=name, evalue=message, traceback=[f"{name}: {message}"])


def shown_type(name: str) -> str:
    """An error's type name as a student may read it once a hidden test has run."""
    return name if name in BUILTIN_ERRORS or name in GRADER_ERRORS or name == StudentCodeError.__name__ else "Exception"


def _raised_in_visible_part(error, cell, part):
    """Whether the traceback places the error on a visible line of this cell: its frames in the
    cell (`Cell In[<count>], line <n>`) are all visible. Without such a frame: not placed."""
    count = cell.get("execution_count")
    text = _ANSI.sub("", "\n".join(error.get("traceback", [])))
    lines = [int(line) for seen, line in _CELL_FRAME.findall(text) if count is not None and int(seen) == count]
    return bool(lines) and not part.hidden_lines.intersection(lines)


def _text_of(output):
    texts = [output.get("text", ""), output.get("evalue", ""), *output.get("traceback", [])]
    texts += [value if isinstance(value, str) else "".join(value) if isinstance(value, list) else ""
              for value in output.get("data", {}).values()]
    return _ANSI.sub("", "\n".join(t if isinstance(t, str) else "".join(t) for t in texts))


