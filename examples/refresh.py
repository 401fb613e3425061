"""Bring the demo class in line with the release after a notebook of the course changed:

    .venv/bin/backprop-lab release && .venv/bin/python examples/refresh.py

Every demo notebook is rebuilt on the cells of the release notebook, in the release's order, as if
its student had fetched the new release and carried their work over:
- locked cells (instructions, provided code, visible tests, hidden-test placeholders) and cells
  without nbgrader metadata (plots, explorers: no demo student edits them) are the release's, so
  cells the release gained are inserted where the release has them and cells it dropped are gone;
- answer cells keep the student's source (ben's mistakes, dev's loop, eve's tampering included);
  an answer cell the student has not seen yet gets the reference solution from source/, or the
  release's empty template for the students who hand in the blank release (cleo);
- the damage that is part of a student's story (examples/README.md) is kept: a file that is not
  JSON is left as it is (fay's interrupted upload, which the grader replaces by the blank release
  anyway); an old nbformat stays that nbformat; stripped metadata stays stripped; missing ids and
  outputs stay missing; cells of a retired type stay after the cell they followed; and the test cells
  a student deleted on purpose (DELETED) stay deleted. A notebook whose metadata was stripped is
  matched with the release by its cells' ids, which Jupyter derived from the grade_ids.

Run it again and nothing changes: it prints the notebooks it rewrote.
"""
import copy
import json
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SUBMITTED = ROOT / "examples" / "submitted"

BLANK = {"cleo"}   # students who hand in the release untouched: new answer cells stay empty
# (student, assignment) -> which locked cells that student deleted on purpose (kept deleted)
DELETED = {("fay", "02_activations"): lambda grade_id: grade_id.startswith("test_relu")}

MARKER_LINE = re.compile(r"^\s*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*\n", re.M)
KNOWN_TYPES = {"code", "markdown", "raw"}


def nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def lines(text):
    return text.splitlines(keepends=True)


def reference_solutions(assignment):
    """{grade_id: the solution source, markers removed} of the answer cells of source/."""
    source = next((ROOT / "source" / assignment).glob("*.ipynb"))
    return {nbgrader(cell)["grade_id"]: MARKER_LINE.sub("", "".join(cell["source"]))
            for cell in json.loads(source.read_text())["cells"] if nbgrader(cell).get("solution")}


def read(path):
    """(nbformat-4 JSON of the notebook, its nbformat) or (None, None) when it is not JSON."""
    try:
        raw = json.loads(path.read_text())
    except ValueError:
        return None, None
    if raw.get("nbformat") == 3:
        upgraded = nbformat.convert(nbformat.from_dict(raw), 4)
        return json.loads(nbformat.writes(upgraded, version=4)), 3
    return raw, 4


def render(raw, version):
    """The text of the notebook file, in the nbformat it came in."""
    if version == 3:
        notebook = nbformat.from_dict(dict(raw, nbformat_minor=4))   # minor 4: cells without ids
        for cell in notebook.cells:
            cell.pop("id", None)
            cell.source = "".join(cell.source)
        raw = json.loads(nbformat.writes(nbformat.convert(notebook, 3), version=3))
    return json.dumps(raw, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def key(cell, grade_ids):
    """The grade_id a cell stands for: its nbgrader metadata's, or, metadata stripped, its id's."""
    if nbgrader(cell).get("grade_id"):
        return nbgrader(cell)["grade_id"]
    by_id = str(cell.get("id", "")).replace("-", "_")
    return by_id if by_id in grade_ids else None


def rebuild(raw, release, student, assignment, solutions):
    """The cells of `release` with the student's answers and damage carried over from `raw`."""
    theirs = raw["cells"]
    grade_ids = {nbgrader(cell)["grade_id"] for cell in release["cells"] if nbgrader(cell).get("grade_id")}
    stripped = not any(cell.get("metadata") for cell in theirs)
    has_ids = any("id" in cell for cell in theirs)
    has_outputs = any("outputs" in cell for cell in theirs if cell["cell_type"] == "code")
    deleted = DELETED.get((student, assignment), lambda grade_id: False)

    answers, extras, previous = {}, {}, None
    for cell in theirs:
        if cell["cell_type"] not in KNOWN_TYPES:
            extras.setdefault(previous, []).append(cell)   # a retired cell type: kept where it was
            continue
        grade_id = key(cell, grade_ids)
        if grade_id:
            answers.setdefault(grade_id, cell)
            previous = grade_id

    def styled(cell):
        cell = copy.deepcopy(cell)
        if stripped:
            cell["metadata"] = {}
        if not has_ids:
            cell.pop("id", None)
        if cell["cell_type"] == "code" and not has_outputs:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
        return cell

    cells = list(extras.get(None, []))
    for cell in release["cells"]:
        meta = nbgrader(cell)
        grade_id = meta.get("grade_id")
        if grade_id and meta.get("solution"):
            if grade_id in answers:
                answer = copy.deepcopy(cell)
                answer["source"] = answers[grade_id]["source"]
            else:
                answer = copy.deepcopy(cell)
                if student not in BLANK:
                    answer["source"] = lines(solutions[grade_id])
            cells.append(styled(answer))
        elif grade_id and grade_id not in answers and deleted(grade_id):
            pass
        else:
            cells.append(styled(cell))
        cells += extras.get(grade_id, []) if grade_id else []
    return dict(raw, cells=cells)


def refreshed():
    """(path, its current text, the text it should have) of every demo notebook that can be read."""
    for release_path in sorted((ROOT / "release").glob("*/*.ipynb")):
        assignment = release_path.parent.name
        release = json.loads(release_path.read_text())
        solutions = reference_solutions(assignment)
        for path in sorted(SUBMITTED.glob(f"*/{assignment}/*.ipynb")):
            student = path.relative_to(SUBMITTED).parts[0]
            raw, version = read(path)
            if raw is None:
                yield path, None, None
                continue
            yield path, path.read_text(), render(rebuild(raw, release, student, assignment, solutions), version)


def main():
    changed = 0
    for path, now, wanted in refreshed():
        if wanted is None:
            print(f"left as it is (not JSON, on purpose): {path.relative_to(ROOT)}")
        elif wanted != now:
            path.write_text(wanted)
            changed += 1
            print(f"refreshed {path.relative_to(ROOT)}")
    print(f"{changed} notebook(s) rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
