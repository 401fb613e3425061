"""Bounds on what reaches the grader from students: the files of a submission, the JSON they
hold and the outputs their code produced.

A submission is files: a symbolic link could alias the instructor's notebook or the gradebook,
and a FIFO blocks whoever opens it for reading, so neither is ever followed or opened. JSON is
parsed by recursive code (nbformat, jsonschema, nbconvert's templates): anything nested deeper
than real notebooks ever are is cut off before it gets there.
"""
import os
import stat

from nbformat import validator

from .execute import error_output
from .kernel import GRADER_ERROR

MAX_DEPTH = 32  # levels of JSON nesting kept; real notebooks nest metadata and outputs a few levels
# What a submission may hold instead of a regular file, and what the report calls it.
_KINDS = [(stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")]


class Refused(Exception):
    """A file of a submission the grader does not read; the message says why."""


def read_regular(path: os.PathLike, max_bytes: int) -> bytes:
    """The bytes of `path` if it is a regular file of at most `max_bytes`, else Refused.
    Looked at with lstat and opened without following a link or waiting on a FIFO; checked again
    once open, in case it was swapped in between. FileNotFoundError if it does not exist."""
    _check(os.lstat(path), max_bytes)
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as file:
        _check(os.fstat(file.fileno()), max_bytes)
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise Refused(f"is larger than {_megabytes(max_bytes)}")
    return data


def _check(info, max_bytes):
    kind = next((kind for is_kind, kind in _KINDS if is_kind(info.st_mode)), None)
    if kind:
        raise Refused(f"is {kind}")
    if info.st_size > max_bytes:
        raise Refused(f"is larger than {_megabytes(max_bytes)}")


def _megabytes(size):
    return f"{size / 2**20:g} MB"


def strip_deep(document, limit: int = MAX_DEPTH) -> list:
    """Replace, in place, every list or dict nested more than `limit` levels deep in `document`
    (parsed JSON) by None; return where each was, as paths like 'cells/3/metadata/x'. Iterative:
    it must not itself run out of stack on what it is protecting the rest from."""
    stripped, stack = [], [(document, 1, "")]
    while stack:
        container, depth, path = stack.pop()
        for key, value in container.items() if isinstance(container, dict) else enumerate(container):
            if isinstance(value, (dict, list)):
                where = f"{path}/{key}" if path else str(key)
                if depth == limit:
                    container[key] = None
                    stripped.append(where)
                else:
                    stack.append((value, depth + 1, where))
    return stripped


_NOTEBOOK_SCHEMA = validator.get_validator(version=4, version_minor=5)


def checked_outputs(outputs: list) -> "tuple[list, list[str]]":
    """(outputs, problems): each output nbformat would refuse (data of the wrong type, a missing
    field, nesting deeper than MAX_DEPTH) replaced by an error output saying why, which scores a
    test cell zero as an error would; and why, for the report."""
    checked, problems = [], []
    for output in outputs:
        problem = _output_problem(output)
        if problem:
            problems.append(f"{problem}: the grader replaced it by an error")
            output = error_output(GRADER_ERROR, f"{problem}: removed by the grader")
        checked.append(output)
    return checked, problems


def _output_problem(output):
    if not isinstance(output, dict):
        return f"an output is {type(output).__name__}, not an nbformat output"
    if strip_deep(output):  # cut in place: the output is replaced anyway
        return f"an output is nested deeper than {MAX_DEPTH} levels"
    try:  # the compiled schema first: fast, and nearly every output passes
        _NOTEBOOK_SCHEMA.validate(_notebook_with(output))
    except Exception:  # noqa: BLE001 - the validators' errors have no common type; say why below
        return _readable_problem(output)
    return None


def _notebook_with(output):
    code_cell = {"cell_type": "code", "id": "output", "metadata": {}, "source": "", "execution_count": None,
                 "outputs": [output]}
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [code_cell]}


OUTPUT_FIELDS = {"output_type", "name", "text", "data", "metadata", "execution_count", "ename", "evalue", "traceback"}


def _readable_problem(output):
    """What is wrong with `output`: the field and the schema's rule it breaks, not jsonschema's
    message, which quotes the offending value and keys (student code's to choose: students read
    problems in results.json)."""
    try:
        validator.validate(output, ref="output", version=4, version_minor=5)
    except validator.ValidationError as error:
        field = next(iter(error.absolute_path), None)
        where = f"its {field} field breaks" if field in OUTPUT_FIELDS else "it breaks"
        return f"an output nbformat does not allow ({where} the schema's rule {error.validator!r})"
    return "an output nbformat does not allow"
