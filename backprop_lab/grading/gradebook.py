"""One database engine for a whole grading run.

nbgrader opens a new `Gradebook` for every notebook and every step (about nine per notebook);
each one builds an engine, inspects and re-creates the tables and, having a fresh engine, compiles
every query again. Within `one_engine()`, a Gradebook reuses the engine of the first one opened on
the same database: the same queries and rows, without the set-up and the recompiling.
`rows_of` reads a notebook's grades or comments in one query, where nbgrader's lazy loading runs
one per cell.
"""
import contextlib

from nbgrader import api
from sqlalchemy.orm import joinedload, scoped_session, sessionmaker, undefer

_engines = {}  # db_url -> engine, while one_engine() is active
_courses = set()  # (db_url, course_id) already checked
_remembered = {}  # what the run only reads, by key


@contextlib.contextmanager
def one_engine():
    original_init, original_close = api.Gradebook.__init__, api.Gradebook.close

    def init(self, db_url, course_id="default_course", authenticator=None):
        if db_url not in _engines:
            original_init(self, db_url, course_id, authenticator)  # creates the tables and the course
            _engines[db_url] = self.engine
        else:
            self.engine = _engines[db_url]
            self.db = scoped_session(sessionmaker(autoflush=True, bind=self.engine, future=True))
            self.course_id, self.authenticator = course_id, authenticator
            if (db_url, course_id) not in _courses:
                self.check_course(course_id=course_id)
        _courses.add((db_url, course_id))

    def close(self):
        self.db.remove()  # the engine stays open for the next Gradebook

    api.Gradebook.__init__, api.Gradebook.close = init, close
    try:
        yield
    finally:
        api.Gradebook.__init__, api.Gradebook.close = original_init, original_close
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _courses.clear()
        _remembered.clear()


def remembered(key, read):
    """read(), read once under `key` while one_engine() lasts: for what a run never changes."""
    if not _engines:
        return read()
    if key not in _remembered:
        _remembered[key] = read()
    return _remembered[key]


def rows_of(gradebook, table, notebook):
    """{cell name: row} of `table` (api.Grade or api.Comment) for one submitted notebook, in one
    query: each row comes with its cell (which holds its name) and a grade with its max_score;
    nbgrader's `notebook.grades` runs one more query for each of them."""
    query = gradebook.db.query(table).options(joinedload(table.cell))
    if table is api.Grade:
        query = query.options(undefer(api.Grade.max_score))
    return {row.name: row for row in query.filter(table.notebook_id == notebook.id)}


def entry(rows, name):
    """rows[name], or the MissingEntry nbgrader's own lookups raise."""
    if name not in rows:
        raise api.MissingEntry(f"no gradebook entry for the cell {name!r}")
    return rows[name]


def after_fork():
    """In a forked child: leave the parent's pooled connections to the parent (SQLite
    connections must not cross a fork); the child opens its own."""
    for engine in _engines.values():
        engine.dispose(close=False)
