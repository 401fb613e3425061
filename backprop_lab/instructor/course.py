"""The course on disk (nbgrader_config.py, source/, release/) and stock nbgrader run over it."""
import os
import runpy
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config

CONFIG_FILE = "nbgrader_config.py"
GRADEBOOK = "gradebook.db"


def gradebook_url(root) -> str:
    """The database URL of the course's gradebook, as nbgrader's Gradebook takes it."""
    return f"sqlite:///{Path(root) / GRADEBOOK}"


@dataclass(frozen=True)
class Assignment:
    name: str       # folder name, e.g. "01_loss"
    notebook: str   # notebook name without .ipynb, e.g. "loss"

    def source(self, root):
        return Path(root) / "source" / self.name / f"{self.notebook}.ipynb"

    def release(self, root):
        return Path(root) / "release" / self.name / f"{self.notebook}.ipynb"


def find_root(start=None):
    """The nearest folder at or above `start` (default: cwd) that holds nbgrader_config.py."""
    start = Path(start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise FileNotFoundError(f"no {CONFIG_FILE} in {start} or above: run this inside the course folder")


def all_assignments(root):
    """Every assignment of the course, in teaching order: the ASSIGNMENTS list of nbgrader_config.py
    when it has one; otherwise, as nbgrader finds them, each folder of source/ (in name order)
    with its one notebook."""
    names = runpy.run_path(str(Path(root) / CONFIG_FILE), init_globals={"get_config": Config})
    if "ASSIGNMENTS" in names:
        return [Assignment(name, notebook) for name, notebook in names["ASSIGNMENTS"]]
    source = Path(root) / "source"
    folders = sorted(f for f in source.iterdir() if f.is_dir() and not f.name.startswith(".")) if source.is_dir() else []
    if not folders:
        raise SystemExit(f"backprop-lab: {Path(root) / CONFIG_FILE} has no ASSIGNMENTS list and there is no "
                         f"source/<assignment>/ folder to find them in")
    found = []
    for folder in folders:
        notebooks = sorted(folder.glob("*.ipynb"))
        if len(notebooks) != 1:
            raise SystemExit(f"backprop-lab: {folder} holds {len(notebooks)} notebooks; an assignment here is one "
                             "notebook (or list them in ASSIGNMENTS in nbgrader_config.py)")
        found.append(Assignment(folder.name, notebooks[0].stem))
    return found


def written_assignments(root):
    """The listed assignments whose source notebook exists."""
    return [a for a in all_assignments(root) if a.source(root).is_file()]


NBGRADER_TIMEOUT = 600  # seconds of one nbgrader command; the slowest here (an assignment of the benchmark class) takes about 70


def nbgrader(course_dir, *args):
    """Run one nbgrader command in `course_dir`; raise with its log if it fails."""
    # nbgrader runs `alembic` (and jupyter finds kernels) through PATH: put our environment first.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    command = [sys.executable, "-m", "nbgrader", *args]
    environment = {**os.environ, "PATH": path}
    try:
        done = subprocess.run(command, cwd=course_dir, capture_output=True, text=True, env=environment,
                              timeout=NBGRADER_TIMEOUT)
    except subprocess.TimeoutExpired:
        # Seen once: stock nbgrader waiting forever on a kernel that never came up. The commands
        # we run are idempotent (--force): run it once more.
        done = subprocess.run(command, cwd=course_dir, capture_output=True, text=True, env=environment,
                              timeout=NBGRADER_TIMEOUT)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{done.stdout}{done.stderr}"[-4000:])
    return done


def scratch_course(root, folder, assignments):
    """A throw-away copy of the course (config + sources of `assignments`) in `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(Path(root) / CONFIG_FILE, folder / CONFIG_FILE)
    for assignment in assignments:
        shutil.copytree(Path(root) / "source" / assignment.name, folder / "source" / assignment.name,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return folder


def generate(course_dir, assignment):
    """nbgrader generate_assignment: writes release/<name>/ and registers it in the gradebook."""
    nbgrader(course_dir, "generate_assignment", assignment.name, "--force")


def cell_scores(course_dir, assignment):
    """{student: {grade_id: (score, max_score)}} from the gradebook; score None = not graded yet."""
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(gradebook_url(course_dir)) as gradebook:
        for submission in gradebook.assignment_submissions(assignment.name):
            notebook = gradebook.find_submission_notebook(assignment.notebook, assignment.name,
                                                          submission.student_id)
            scores[submission.student_id] = {g.name: (g.score, g.max_score) for g in notebook.grades}
    return scores


def graded_cells(course_dir, assignment):
    """{grade_id: (max_score, autograded)} for every graded cell, from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(gradebook_url(course_dir)) as gradebook:
        notebook = gradebook.find_notebook(assignment.notebook, assignment.name)
        return {cell.name: (cell.max_score, cell.cell_type == "code") for cell in notebook.grade_cells}
