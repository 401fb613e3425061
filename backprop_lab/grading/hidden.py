"""What a student may see of a test cell that has hidden tests.

The lines between `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS` (markers included) are
the cell's hidden part; the rest is its visible part, shown as it is. Of the hidden part a
student sees a list of checks, each a `Check`:

    Check(description="MSELoss.backward on batches of three other shapes", passed=False,
          diagnosis="transposed")          # diagnosis: None when none applies or it passed

Today each hidden part is one generic check, `generic_checks()`: "hidden tests of <grade_id>",
passed / failed / not run. Named checks plug in by handing `student_view()` their list (same
shape, in the order they ran) instead; the feedback page (feedback.py) and Gradescope's
results.json (gradescope.py) render whatever list they get.

The outputs of such a cell are redacted, since a traceback quotes the failing source line and an
assertion message prints the expected value:
- an output that quotes a secret line (a hidden line found nowhere else in the notebook) is
  withheld, whatever printed it;
- an error not placed in the visible part by its traceback is replaced by a neutral message
  naming the failed check (its type name stays: the student's own exception is worth knowing);
- the value of the cell's last expression is dropped when that expression is hidden.
Student output that quotes no hidden line stays: what student code prints is its own.
"""
import dataclasses
import re

import nbformat

from ..checks import parse_failures
from .kernel import GRADER_ERRORS

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
MIN_SECRET = 16  # shorter hidden lines ("else:", "loss.backward()") say nothing of the test
WITHHELD = "(output withheld: it quotes a hidden test)"
_CELL_FRAME = re.compile(r"Cell In\[(\d+)\], line (\d+)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,79}")


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
        named = [Check(failure["description"], False, failure["diagnosis"].replace("_", " ")
                       + (f" ({failure['detail']})" if failure["detail"] else ""))
                 for error in cell.get("outputs", []) if error.get("output_type") == "error"
                 for failure in parse_failures(str(error.get("evalue", "")))]
        if named:
            return named
    return generic_checks(grade_id, result)


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


def student_view(cell, part: HiddenPart, checks: list[Check], secrets: set[str]) -> list:
    """The outputs of a test cell with a hidden part, as a student may see them."""
    failed = next((check for check in checks if not check.passed), None)
    shown = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "execute_result" and part.last_line_hidden:
            continue
        if kind == "error":
            shown.append(_error_view(output, cell, part, failed, secrets))
        elif quotes(_text_of(output), secrets):
            shown.append(nbformat.v4.new_output("stream", name="stdout", text=WITHHELD + "\n"))
        else:
            shown.append(output)
    return shown


def _error_view(error, cell, part, failed, secrets):
    if quotes(_text_of(error), secrets):
        return _neutral(error, failed)
    if error.get("ename") in GRADER_ERRORS or _raised_in_visible_part(error, cell, part):
        return error
    return _neutral(error, failed)


def _neutral(error, failed):
    name = error.get("ename", "")
    name = name if _NAME.fullmatch(name) else "Error"
    which = failed.description if failed else "a hidden check"
    message = f"failed: {which} (details withheld: they would show the hidden test)"
    return nbformat.v4.new_output("error", ename=name, evalue=message, traceback=[f"{name}: {message}"])


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


def redacted(outputs: list, secrets: set[str]) -> list:
    """Outputs of any other cell: those that quote a secret line are withheld."""
    return [nbformat.v4.new_output("stream", name="stdout", text=WITHHELD + "\n") if quotes(_text_of(o), secrets) else o
            for o in outputs]
