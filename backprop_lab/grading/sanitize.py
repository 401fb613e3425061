"""Turn whatever a student handed in into a notebook nbgrader can grade.

Step 1, `repair`: read the file however damaged it is (empty, not UTF-8, not JSON, old nbformat,
cells with missing fields). What cannot be read is replaced by the blank release notebook, which
earns zero, and the reason is recorded. Step 2, `sanitize`: nbgrader's own sanitize
preprocessors, with deleted graded cells added back from the gradebook.
"""
import json
import types
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.converters import Autograde
from nbgrader.preprocessors import DeduplicateIds, NbGraderPreprocessor, OverwriteCells
from traitlets.config import Config

from . import inputs
from .gradebook import entry
from .patches import remembered, schema_checked_once

MAX_CODE_CELLS = 2000
MAX_NOTEBOOK_BYTES = 50 * 2**20  # a notebook with all its figures takes a few MB
CELL_KEYS = {"code": {"id", "cell_type", "metadata", "source", "outputs", "execution_count"},
             "markdown": {"id", "cell_type", "metadata", "source", "attachments"},
             "raw": {"id", "cell_type", "metadata", "source", "attachments"}}

def repair(path: Path, release_path: Path) -> tuple:
    """(notebook, problems): the submission as a valid nbformat-4 notebook, and what was wrong."""
    try:
        raw = inputs.read_regular(path, MAX_NOTEBOOK_BYTES)
    except FileNotFoundError:
        return blank(release_path, "the notebook is missing from the submission")
    except inputs.Refused as refused:
        return blank(release_path, f"the notebook {refused} and was not read")
    except OSError as error:
        return blank(release_path, f"the notebook cannot be read ({error.strerror})")
    if not raw.strip():
        return blank(release_path, "the notebook file is empty")
    problems = []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="replace")
        problems.append("the file is not valid UTF-8 (undecodable bytes were replaced)")
    try:
        data = json.loads(text)
    except RecursionError:
        return blank(release_path, "the notebook's JSON is nested too deeply to read")
    except ValueError as error:
        return blank(release_path, f"the file is not valid notebook JSON ({error})")
    if not isinstance(data, dict) or not isinstance(data.get("cells", data.get("worksheets")), list):
        return blank(release_path, "the file is JSON but not a notebook")
    stripped = inputs.strip_deep(data)
    if stripped:
        problems.append(f"parts of the notebook nested deeper than {inputs.MAX_DEPTH} levels were removed "
                        f"({_places(stripped)})")
    if isinstance(data.get("cells"), list):  # nbformat refuses a cell that lacks a field: give it one first
        data["cells"] = [dict(cell, metadata=cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {})
                         for cell in data["cells"] if isinstance(cell, dict)]
    try:
        notebook = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as error:  # nbformat raises several unrelated types for odd input
        return blank(release_path, f"nbformat cannot read the notebook ({error})")
    if data.get("nbformat", 4) < 4:
        problems.append(f"old notebook format {data.get('nbformat')} was upgraded to 4")
    notebook, fixes = _fix_cells(notebook)
    problems += fixes
    if sum(cell.cell_type == "code" for cell in notebook.cells) > MAX_CODE_CELLS:
        return blank(release_path, f"the notebook has more than {MAX_CODE_CELLS} code cells")
    return notebook, problems


def _places(paths, shown=3):
    """'cells/3/metadata/x, metadata/y, ...': where in the notebook, to the fourth level."""
    places = list(dict.fromkeys("/".join(path.split("/")[:4]) for path in paths))
    return ", ".join(places[:shown]) + (", ..." if len(places) > shown else "")


def _fix_cells(notebook):
    """Give every cell the fields nbformat requires, with the right types; drop unknown cells."""
    problems, kept = [], []
    for cell in notebook.cells:
        kind = cell.get("cell_type")
        if kind not in CELL_KEYS:
            problems.append(f"a cell of unknown type {kind!r} was dropped")
            continue
        source = cell.get("source", "")
        cell["source"] = "".join(map(str, source)) if isinstance(source, list) else str(source)
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = nbformat.from_dict({})
        meta = cell.metadata.get("nbgrader")
        if meta is not None and not (isinstance(meta, dict) and isinstance(meta.get("grade_id"), str)):
            del cell.metadata["nbgrader"]  # nbgrader itself crashes on such cells
            problems.append("a cell had damaged nbgrader metadata, which was removed")
        if kind == "code":
            cell["outputs"] = []  # nbgrader clears them anyway; broken ones must not stop it first
            if not isinstance(cell.get("execution_count"), int):
                cell["execution_count"] = None
        for key in set(cell) - CELL_KEYS[kind]:
            del cell[key]
        kept.append(cell)
    notebook.cells = kept
    notebook.nbformat, notebook.nbformat_minor = 4, max(notebook.get("nbformat_minor", 5), 5)
    notebook = nbformat.from_dict(nbformat.validator.normalize(notebook)[1])
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError as error:
        problems.append(f"the notebook still does not validate: {error.message}"[:200])
    return notebook, problems


def blank(release_path: Path, reason: str) -> tuple:
    """(the blank release notebook, [the reason it is graded instead, zero])."""
    return nbformat.read(release_path, as_version=4), [f"{reason}: graded as the blank release (zero)"]


class DropOrphanMetadata(NbGraderPreprocessor):
    """Remove nbgrader metadata that lost its grade_id (DeduplicateIds leaves `{}` behind on a
    duplicated cell, which nbgrader's own OverwriteCells then fails on)."""

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if "nbgrader" in cell.metadata and "grade_id" not in cell.metadata.nbgrader:
                del cell.metadata["nbgrader"]
        return nb, resources


class OverwriteCellsOnce(OverwriteCells):
    """nbgrader's OverwriteCells, asking the gradebook for the release's cells once per notebook
    of the assignment, not once per cell of every student."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        self.notebook_id, self.assignment_id, self.db_url = info["notebook"], info["assignment"], info["db_url"]
        with Gradebook(self.db_url) as gradebook:
            self.gradebook = _ReleaseCells(gradebook, self.notebook_id, self.assignment_id)
            nb, resources = NbGraderPreprocessor.preprocess(self, nb, resources)  # every cell
            if self.add_missing_cells:
                nb, resources = self.add_missing_grade_cells(nb, resources)
                nb, resources = self.add_missing_task_cells(nb, resources)
        return nb, resources


class _ReleaseCells:
    """A gradebook whose find_source_cell and find_graded_cell answer from the notebook's cells,
    read in one go and kept for the run (patches.remembered)."""

    def __init__(self, gradebook, notebook, assignment):
        def read():
            found = gradebook.find_notebook(notebook, assignment)
            source = {c.name: types.SimpleNamespace(name=c.name, cell_type=c.cell_type, locked=c.locked,
                                                    checksum=c.checksum, source=c.source) for c in found.source_cells}
            return source, {c.name: types.SimpleNamespace(name=c.name, max_score=c.max_score) for c in found.grade_cells}

        self.gradebook = gradebook
        self.source, self.graded = remembered(("release cells", str(gradebook.engine.url), notebook, assignment), read)

    def find_source_cell(self, name, notebook, assignment):
        return entry(self.source, name)

    def find_graded_cell(self, name, notebook, assignment):
        return entry(self.graded, name)

    def __getattr__(self, name):  # anything else: the gradebook itself
        return getattr(self.gradebook, name)


def sanitize_steps() -> list:
    """nbgrader's sanitize preprocessors, with DropOrphanMetadata right after DeduplicateIds and
    OverwriteCells reading the release's cells once."""
    steps = []
    for step in Autograde.sanitize_preprocessors.default():
        steps.append(OverwriteCellsOnce if step is OverwriteCells else step)
        if step is DeduplicateIds:
            steps.append(DropOrphanMetadata)
    return steps


def sanitize_config(config: Config) -> Config:
    """The course config plus what the grader changes: deleted graded cells are restored."""
    merged = Config(config)
    merged.OverwriteCells.add_missing_cells = True
    merged.Autograde.sanitize_preprocessors = sanitize_steps()
    return merged


def sanitize(notebook: nbformat.NotebookNode, config: Config, db_url: str, assignment: str, notebook_name: str,
             student: str) -> nbformat.NotebookNode:
    """nbgrader's sanitize pipeline: clear outputs, fix ids and kernelspec, restore locked and
    test cells from the gradebook (adding back deleted ones), check metadata."""
    resources = {"nbgrader": {"db_url": db_url, "assignment": assignment, "notebook": notebook_name,
                              "student": student}}
    with schema_checked_once():
        for step in sanitize_steps():
            notebook, resources = step(config=config).preprocess(notebook, resources)
    return notebook


def transplant(notebook: nbformat.NotebookNode, release: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The release notebook with the student's answers moved into its exercise cells: by position
    when the cells line up one to one, otherwise by the answer cell's first line (its `class` or
    `def` line). For notebooks whose nbgrader metadata another editor stripped."""
    rebuilt = nbformat.from_dict(release)
    lined_up = len(notebook.cells) == len(release.cells)
    unused = list(notebook.cells)
    for index, cell in enumerate(rebuilt.cells):
        if not cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        theirs = notebook.cells[index] if lined_up else next(
            (c for c in unused if c.cell_type == cell.cell_type and _first_line(c.source) == _first_line(cell.source)),
            None)
        if theirs is not None and theirs.cell_type == cell.cell_type:
            cell.source = theirs.source
            if theirs in unused:
                unused.remove(theirs)
    return rebuilt


def _first_line(source):
    return next((line.strip() for line in source.splitlines() if line.strip() and not line.startswith("#")), "")


def tampered_cells(submitted: nbformat.NotebookNode, release: nbformat.NotebookNode) -> list:
    """Graded or locked cells of the release that the student deleted, edited, duplicated or
    re-pointed (nbgrader grades them from the gradebook all the same: this is for the report)."""
    def cells(notebook):
        return [cell for cell in notebook.cells if "grade_id" in cell.metadata.get("nbgrader", {})]

    theirs = {}
    for cell in cells(submitted):
        theirs.setdefault(cell.metadata["nbgrader"]["grade_id"], []).append(cell)
    problems = []
    for cell in cells(release):
        meta = cell.metadata["nbgrader"]
        grade_id, copies = meta["grade_id"], theirs.get(meta["grade_id"], [])
        if len(copies) > 1:
            problems.append(f"the cell {grade_id!r} appears {len(copies)} times (one copy is graded)")
        if copies and meta.get("grade") and any(c.metadata["nbgrader"].get("points") != meta.get("points")
                                                for c in copies):
            problems.append(f"the points of {grade_id!r} were edited (the gradebook's are used)")
        if not meta.get("locked"):
            continue
        if not copies:
            problems.append(f"the locked cell {grade_id!r} was deleted (restored from the gradebook)")
        elif copies[0].source.strip() != cell.source.strip():
            problems.append(f"the locked cell {grade_id!r} was edited (restored from the gradebook)")
    return problems
