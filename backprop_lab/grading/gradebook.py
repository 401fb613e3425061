"""Gradebook reads in one query: `rows_of` gives a notebook's grades or comments at once, where
nbgrader's lazy loading runs one query per cell; `entry` looks one up as nbgrader would."""
from typing import Any

from nbgrader import api
from sqlalchemy.orm import joinedload, undefer


def rows_of(gradebook: api.Gradebook, table: type, notebook) -> dict:
    """{cell name: row} of `table` (api.Grade or api.Comment) for one submitted notebook, in one
    query: each row comes with its cell (which holds its name) and a grade with its max_score;
    nbgrader's `notebook.grades` runs one more query for each of them."""
    query = gradebook.db.query(table).options(joinedload(table.cell))
    if table is api.Grade:
        query = query.options(undefer(api.Grade.max_score))
    return {row.name: row for row in query.filter(table.notebook_id == notebook.id)}


def entry(rows: dict, name: str) -> Any:
    """rows[name], or the MissingEntry nbgrader's own lookups raise."""
    if name not in rows:
        raise api.MissingEntry(f"no gradebook entry for the cell {name!r}")
    return rows[name]
