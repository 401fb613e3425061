"""Every place the grader reaches into nbgrader's or nbconvert's private workings, in one module.

An nbgrader or nbconvert upgrade may break any of these; tests/test_parity.py (stock nbgrader
against `backprop-lab grade`, cell by cell, feedback included) is the guard. What each one
patches, and why:

- `one_engine` replaces `nbgrader.api.Gradebook.__init__` and `close` for a run: nbgrader opens a
  Gradebook about nine times per notebook, each building an engine and checking the tables; one
  engine serves them all (`remembered` keeps what the run only reads; `after_fork` leaves the
  parent's connections to the parent).
- `schema_checked_once` replaces `nbgrader.nbgraderformat.common.jsonschema`: nbgrader re-checks
  its constant metadata schema for every cell, a third of its time.
- `ValidatedOnce` overrides nbconvert's `Exporter._validate_preprocessor` and skips the deep copies
  of `from_notebook_node`: the notebooks were validated when staged and are read for one export.
- `replaying` sets `Autograde._sanitizing` and calls `_init_preprocessors()`: nbgrader's autograde
  without its sanitize pass, which the grader has run before execution.
- `CompiledTemplates` overrides `TemplateExporter._create_environment` to keep Jinja's compiled
  templates for the process; `page_not_reparsed` swaps `nbconvert.exporters.html.BeautifulSoup`
  for the feedback pages, which need no pass over the finished HTML.
"""
import contextlib
import json
import os
import types
from collections.abc import Callable, Iterator
from typing import Any

import jsonschema
import nbformat
from jinja2 import BytecodeCache
from nbconvert.exporters import html as nbconvert_html
from nbgrader import api
from nbgrader.nbgraderformat import common as nbgraderformat_common
from sqlalchemy.orm import scoped_session, sessionmaker

_engines = {}  # db_url -> engine, while one_engine() is active
_courses = set()  # (db_url, course_id) already checked
_remembered = {}  # what the run only reads, by key


@contextlib.contextmanager
def one_engine() -> Iterator[None]:
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


def remembered(key, read: Callable[[], Any]) -> Any:
    """read(), read once under `key` while one_engine() lasts: for what a run never changes."""
    if not _engines:
        return read()
    if key not in _remembered:
        _remembered[key] = read()
    return _remembered[key]


def after_fork() -> None:
    """In a forked child: leave the parent's pooled connections to the parent (SQLite
    connections must not cross a fork); the child opens its own."""
    for engine in _engines.values():
        engine.dispose(close=False)


os.register_at_fork(after_in_child=after_fork)  # every fork, whoever forks


_VALIDATORS = {}  # schema as JSON -> its compiled validator
_VALID = set()  # (schema, metadata), as JSON, found valid: most cells repeat across students


@contextlib.contextmanager
def schema_checked_once() -> Iterator[None]:
    """nbgrader re-checks its (constant) metadata schema for every cell, a third of its time;
    validate against a validator compiled once per process instead, and each distinct cell
    metadata once: same verdicts. (nbgrader reads the schema again for every notebook: it is
    known by its text.)"""
    def validate(instance, schema, *args, **kwargs):
        key = json.dumps(schema, sort_keys=True)
        if key not in _VALIDATORS:
            _VALIDATORS[key] = jsonschema.validators.validator_for(schema)(schema)
        seen = (key, json.dumps(instance, sort_keys=True))
        if seen in _VALID:
            return
        error = jsonschema.exceptions.best_match(_VALIDATORS[key].iter_errors(instance))
        if error is not None:
            raise error
        _VALID.add(seen)

    original = nbgraderformat_common.jsonschema
    nbgraderformat_common.jsonschema = types.SimpleNamespace(validate=validate)
    try:
        yield
    finally:
        nbgraderformat_common.jsonschema = original


class ValidatedOnce:
    """nbconvert validates the notebook again after each preprocessor. The grader's notebooks
    were validated when staged, their autograded copy is validated when written, and its steps
    are nbgrader's own: one check per notebook is enough. And nbconvert deep-copies the notebook
    three times before its steps, which no one else holds: it was read for this export alone."""

    def _validate_preprocessor(self, nbc, preprocessor):
        pass

    def from_file(self, file_stream, resources=None, **kw):
        return self.from_notebook_node(_ReadForThisExport(nbformat.read(file_stream, as_version=4)), resources, **kw)


class _ReadForThisExport(nbformat.NotebookNode):
    def __deepcopy__(self, memo):
        return self


@contextlib.contextmanager
def replaying(converter) -> Iterator[None]:
    """nbgrader's Autograde `converter` without its sanitize pass (run before execution)."""
    converter._sanitizing = False
    converter._init_preprocessors()
    try:
        yield
    finally:
        converter._sanitizing = True


class CompiledTemplates:
    """Mixed into an nbconvert exporter: Jinja's compiled templates kept for the process."""

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = _COMPILED_TEMPLATES
        return environment


class _CompiledTemplateCache(BytecodeCache):
    """Jinja's compiled templates, kept for every exporter of the process (nbgrader makes one per
    assignment, and compiling the feedback templates costs more than rendering a page)."""

    def __init__(self):
        self.code = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


_COMPILED_TEMPLATES = _CompiledTemplateCache()


@contextlib.contextmanager
def page_not_reparsed() -> Iterator[None]:
    """nbconvert's HTML exporter without its BeautifulSoup pass over the finished page."""
    original = nbconvert_html.BeautifulSoup
    nbconvert_html.BeautifulSoup = _UnparsedPage
    try:
        yield
    finally:
        nbconvert_html.BeautifulSoup = original


class _UnparsedPage:
    """Stands in for BeautifulSoup: selects nothing, gives the page back as it came."""

    def __init__(self, page, features=None):
        self.page = page

    def select(self, selector):
        return []

    def __str__(self):
        return self.page
