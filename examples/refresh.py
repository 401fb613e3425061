"""Bring the demo class up to date after a notebook of the course changed:

    .venv/bin/python examples/refresh.py

Copies the release's locked cells (instructions, provided code, visible and hidden-test
placeholders) into every demo notebook that still has them, by grade_id; the students' answers
and the damage fay's files carry on purpose (invalid JSON, stripped metadata, deleted cells, an
old nbformat) are left as they are.
"""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def locked_cells(release):
    cells = json.loads(release.read_text())["cells"]
    return {cell["metadata"]["nbgrader"]["grade_id"]: cell["source"] for cell in cells
            if cell["metadata"].get("nbgrader", {}).get("locked")}


def refresh(path, locked):
    try:
        notebook = json.loads(path.read_text())
    except ValueError:
        return False  # damaged on purpose
    changed = False
    for cell in notebook.get("cells", []):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in locked and cell.get("source") != locked[grade_id]:
            cell["source"], changed = locked[grade_id], True
    if changed:
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    return changed


def main():
    for release in sorted((ROOT / "release").glob("*/*.ipynb")):
        locked = locked_cells(release)
        for path in sorted((ROOT / "examples" / "submitted").glob(f"*/{release.parent.name}/*.ipynb")):
            if refresh(path, locked):
                print(f"refreshed {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
