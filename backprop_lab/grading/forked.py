"""Grading work done in a forked process of the grader, beside what the grader does meanwhile."""
import json
import os
import traceback
from collections.abc import Callable, Iterable
from typing import Any


def start(work: Callable[[], Any], close: Iterable[int] = ()) -> Callable[[], Any]:
    """Run `work()` in a forked process, with the descriptors in `close` closed there; returns
    a function that waits for the process and gives back what `work` returned (JSON data), or
    raises RuntimeError with the traceback if it failed."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            for fd in (reader, *close):
                os.close(fd)
            try:
                outcome = {"value": work()}
            except Exception:  # noqa: BLE001 - raised again in the parent
                outcome = {"error": traceback.format_exc()}
            with os.fdopen(writer, "w") as pipe:
                json.dump(outcome, pipe)
            status = 0
        finally:
            os._exit(status)
    os.close(writer)
    name = getattr(work, "__name__", "work")

    def result():
        with os.fdopen(reader) as pipe:
            text = pipe.read()
        _, status = os.waitpid(pid, 0)
        if not text:
            raise RuntimeError(f"{name} ended without a result (wait status {status})")
        outcome = json.loads(text)
        if "error" in outcome:
            raise RuntimeError(f"{name} failed:\n{outcome['error']}")
        return outcome["value"]

    return result
