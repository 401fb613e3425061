"""The instructor's tools: the course on disk (course), release and validation (validate), the
course on a local JupyterHub (hub), an LMS download in (collect), grades out (export), and the
class report (report). What students import is at the package's top; the grader is in grading/."""
from .. import grading as _grading  # noqa: F401 - loaded first for its import guard (grading/__init__.py)
