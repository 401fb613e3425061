"""Student submissions kept as small text files: tests/submissions/<assignment>/<variant>.py.

A variant file replaces the source of some exercise cells of the release notebook; every other
exercise cell gets the reference solution, so a mistake variant differs in one idea only.

    \"\"\"What this variant is, and why a student would write it.\"\"\"
    # lose: test_mse_backward test_mse_any_shape     <- omitted for a correct variant
    # diagnosis: constant_factor                      <- what a failed check should name (mistakes)
    # %% mse_loss                                     <- grade_id of the cell to replace
    class MSELoss:
        ...
"""
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

CELL_HEADER = re.compile(r"^# %% (\S+)\s*$", re.M)
LOSE_LINE = re.compile(r"^# lose:(.*)$", re.M)
DIAGNOSIS_LINE = re.compile(r"^# diagnosis:\s*(\S+)\s*$", re.M)
MARKER_LINE = re.compile(r"^\s*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*\n", re.M)

SUBMISSIONS = Path(__file__).parent / "submissions"


@dataclass
class Variant:
    name: str
    cells: dict          # grade_id -> source that replaces the student's cell
    lose: frozenset      # grade_ids of the test cells that must lose points (empty: full marks)
    diagnosis: str = ""  # the diagnosis (backprop_lab.checks) a failed cell should name

    @property
    def correct(self):
        return not self.lose


def load(path):
    text = Path(path).read_text()
    lose = LOSE_LINE.search(text)
    pieces = CELL_HEADER.split(text)
    cells = {grade_id: body.strip("\n") + "\n" for grade_id, body in zip(pieces[1::2], pieces[2::2])}
    if not cells:
        raise ValueError(f"{path}: no '# %% <grade_id>' cell")
    diagnosis = DIAGNOSIS_LINE.search(text)
    return Variant(Path(path).stem, cells, frozenset(lose.group(1).split()) if lose else frozenset(),
                   diagnosis.group(1) if diagnosis else "")


def variants(assignment_name):
    return [load(path) for path in sorted((SUBMISSIONS / assignment_name).glob("*.py"))]


def build_submission(release_path, source_path, variant):
    """The release notebook with the variant's cells, and the solution in every other exercise cell."""
    release = nbformat.read(release_path, as_version=4)
    solutions = {cell.metadata["nbgrader"]["grade_id"]: MARKER_LINE.sub("", cell.source)
                 for cell in nbformat.read(source_path, as_version=4).cells
                 if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution")}
    unknown = set(variant.cells) - set(solutions)
    if unknown:
        raise ValueError(f"variant {variant.name} names cells that are not exercises: {sorted(unknown)}")
    for cell in release.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in solutions:
            cell.source = variant.cells.get(grade_id, solutions[grade_id])
    return release
