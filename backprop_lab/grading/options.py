"""How a grading run runs: every setting that changes a result or its speed, with its default, once.

The command line, the Gradescope entry point and `backprop-lab validate` build an `Options`; the
per-cell time limit comes from the course's nbgrader_config.py (`c.Execute.timeout`, the same limit
stock nbgrader uses) unless the caller gives one.
"""
import dataclasses
import os
from pathlib import Path

from traitlets.config import Config, PyFileConfigLoader

from ..instructor import course

DEFAULT_CELL_TIMEOUT = 60.0  # seconds, when nbgrader_config.py sets none


@dataclasses.dataclass(frozen=True)
class Options:
    workers: int = os.cpu_count() or 1   # notebooks run at once
    cell_timeout: float = DEFAULT_CELL_TIMEOUT
    confine: bool = True                 # the sandbox (sandbox.py) around student code
    figures: bool = False                # render plots into autograded notebooks and feedback
    tamper_checks: bool = True           # the scan and the integrity guard (defence in depth)

    def rerun_key(self) -> list:
        """The settings that change what a notebook's run gives (not how many run at once)."""
        return [self.cell_timeout, self.confine, self.figures, self.tamper_checks]


def for_course(root: Path, cell_timeout: float | None = None, **given) -> Options:
    """Options for grading the course in `root`: `given` values, and the per-cell time limit
    `cell_timeout` or, when None, nbgrader_config.py's."""
    if cell_timeout is None:
        cell_timeout = configured_cell_timeout(root)
    return Options(cell_timeout=float(cell_timeout), **given)


def configured_cell_timeout(root: Path) -> float:
    """c.Execute.timeout of the course's nbgrader_config.py, or the default."""
    config = course_config(root)
    timeout = config.Execute.get("timeout") if "Execute" in config else None
    return float(timeout) if isinstance(timeout, (int, float)) and timeout > 0 else DEFAULT_CELL_TIMEOUT


def course_config(root: Path) -> Config:
    """nbgrader_config.py as nbgrader reads it, with the course folder as its root."""
    config = Config(PyFileConfigLoader(course.CONFIG_FILE, path=str(root)).load_config())
    config.CourseDirectory.root = str(root)
    return config
