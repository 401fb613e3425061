"""Gradescope: the autograder bundle, and grading one submission inside Gradescope's container.

    backprop-lab gradescope [ASSIGNMENT ...] --output autograder.zip     build_bundle()
    python -m backprop_lab.grading.gradescope prepare --root /autograder  setup.sh, once per image
    python -m backprop_lab.grading.gradescope run --root /autograder      run_autograder, per submission

The bundle is a small course directory: nbgrader_config.py, source/<assignment>/ (the gradebook
is generated from it, hidden tests included), the backprop_lab package with its pyproject.toml,
and Gradescope's two scripts from autograder/ at the root of the zip. In the container the
unpacked bundle, /autograder/source, is the course: the submission is put in
submitted/<student>/<assignment>/ and graded by the same pipeline as `backprop-lab grade`
(repair, isolated execution with the course hidden from student code, nbgrader's scoring).

results.json has one test per autograded cell. Test cells with hidden tests report only
"passed" or "failed (hidden tests)", with the grader's own reason (time limit, integrity) and
the checks of the hidden part that did not pass (hidden.py), never a message or traceback;
written answers are graded by hand and are left out of the score.
"""
import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

import nbformat

from ..checks import raised_by_student
from ..instructor import course
from . import forked, options
from .hidden import after_exposure, checks_of, hidden_part, ran, secret_lines
from .kernel import GRADER_ERRORS, REPORTED_BY_STUDENT_PROCESS, TAMPERING_SEEN

DEFAULT_ROOT = "/autograder"
STUDENT = "student"                  # the one submitter's id in the container's gradebook
SETTINGS_FILE = "gradescope.json"    # written into the bundle: assignments, per-cell timeout
TEMPLATES = ("setup.sh", "run_autograder")
HIDDEN_MARK = "### BEGIN HIDDEN TESTS"
MAX_MESSAGE = 1500                   # characters of a visible test's failure message
# Errors whose text is safe to show: the grader's own, and a fixed one for running out of memory.
SHOWN_ERRORS = {**dict.fromkeys(GRADER_ERRORS), "MemoryError": "the cell ran out of memory"}
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)   # zip timestamps: the same course gives the same bundle
_SKIP = {"__pycache__", ".ipynb_checkpoints", ".DS_Store"}


# ---------------------------------------------------------------------------------------------
# The bundle


def build_bundle(root: Path, output: Path, assignments: list | None = None,
                 cell_timeout: float | None = None) -> tuple:
    """Write the Gradescope autograder zip for `assignments` (default: every written one).
    Returns (path of the zip, the assignments, {arcname: size})."""
    root = Path(root).resolve()
    written = course.written_assignments(root)
    chosen = [a for a in written if not assignments or a.name in assignments]
    unknown = set(assignments or ()) - {a.name for a in written}
    if unknown or not chosen:
        raise SystemExit(f"backprop-lab gradescope: no written assignment named {', '.join(sorted(unknown))} "
                         f"(written: {', '.join(a.name for a in written)})")
    templates = root / "autograder"
    missing = [name for name in TEMPLATES if not (templates / name).is_file()]
    if missing:
        raise SystemExit(f"backprop-lab gradescope: {', '.join(missing)} missing from {templates}")

    entries = {name: (templates / name, 0o755) for name in TEMPLATES}
    for name in (course.CONFIG_FILE, "pyproject.toml", "README.md"):
        entries[name] = (root / name, 0o644)
    package = Path(__file__).resolve().parents[1]
    for path in _files(package):
        entries[f"backprop_lab/{path.relative_to(package).as_posix()}"] = (path, 0o644)
    for assignment in chosen:
        folder = root / "source" / assignment.name
        for path in _files(folder):
            entries[f"source/{assignment.name}/{path.relative_to(folder).as_posix()}"] = (path, 0o644)
    settings = {"assignments": [a.name for a in chosen],
                "cell_timeout": cell_timeout or options.configured_cell_timeout(root)}

    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    sizes = {}
    partial = output.with_name(output.name + ".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as bundle:
        for arcname, (path, mode) in sorted(entries.items()):
            sizes[arcname] = _add(bundle, arcname, path.read_bytes(), mode)
        sizes[SETTINGS_FILE] = _add(bundle, SETTINGS_FILE, (json.dumps(settings, indent=2) + "\n").encode(), 0o644)
    partial.replace(output)
    return output, chosen, sizes


def _files(folder):
    return sorted(p for p in Path(folder).rglob("*")
                  if p.is_file() and not _SKIP & set(p.parts) and p.suffix not in (".pyc", ".pyo")
                  and not any(part.endswith(".egg-info") for part in p.parts))


def _add(bundle, arcname, data, mode):
    info = zipfile.ZipInfo(arcname, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100000 | mode) << 16   # a regular file with these permission bits
    info.create_system = 3                          # Unix, so unzip honours the permissions
    bundle.writestr(info, data)
    return len(data)


# ---------------------------------------------------------------------------------------------
# In the container


class Layout:
    """/autograder as Gradescope lays it out: source/ (the bundle), submission/, results/."""

    def __init__(self, root=DEFAULT_ROOT):
        self.root = Path(root).resolve()
        self.course = self.root / "source"
        self.submission = self.root / "submission"
        self.results = self.root / "results"

    def settings(self) -> dict:
        path = self.course / SETTINGS_FILE
        return json.loads(path.read_text()) if path.is_file() else {}


def prepare(root: str = DEFAULT_ROOT, log=print) -> None:
    """Once per image (setup.sh): generate the gradebook, build matplotlib's font cache, and
    report whether the sandbox works in this container."""
    layout = Layout(root)
    for assignment in course.written_assignments(layout.course):
        log(f"generating {assignment.name} (gradebook and release) ...")
        course.generate(layout.course, assignment)
    import matplotlib.pyplot  # noqa: F401  (builds the font cache now rather than per submission)
    log("sandbox: " + ("available" if sandbox_available() else
                       "NOT available in this container: student code will run unconfined"))


def sandbox_available() -> bool:
    """Whether a forked child can confine itself (user, PID and mount namespaces): Docker's default
    seccomp profile forbids them, and then grading has to run without the sandbox."""
    from .execute import Limits
    from .sandbox import confine, enter_namespaces

    with tempfile.TemporaryDirectory(prefix="backprop-lab-probe-") as scratch:
        work, hidden = Path(scratch) / "work", Path(scratch) / "hidden"
        work.mkdir()
        hidden.mkdir()
        (hidden / "secret").write_text("hidden")
        limits = Limits()

        def confined_child_cannot_see_the_secret():
            confine(str(work), hidden=[str(hidden)], keep=[], memory_bytes=limits.memory_bytes,
                    file_bytes=limits.file_bytes)
            return not (hidden / "secret").exists()

        def in_new_namespaces():
            enter_namespaces()  # its next child is the namespaces' process 1, which confine requires
            return forked.start(confined_child_cannot_see_the_secret)()

        sys.stdout.flush()
        sys.stderr.flush()
        try:
            return forked.start(in_new_namespaces)() is True
        except RuntimeError:  # any failure means "not available"
            return False


def run(root: str = DEFAULT_ROOT, cell_timeout: float | None = None, log=print) -> dict:
    """Grade the submission in <root>/submission; write <root>/results/results.json; return it."""
    started = time.perf_counter()
    layout = Layout(root)
    layout.results.mkdir(parents=True, exist_ok=True)
    try:
        results = _grade(layout, cell_timeout, log)
    except BaseException as error:  # noqa: B036 - the student must get a results.json in any case
        if isinstance(error, KeyboardInterrupt):
            raise
        log("the autograder failed:\n" + traceback.format_exc())
        results = {"score": 0.0, "tests": [],
                   "output": "The autograder could not grade this submission because of an error in the "
                             "grader, not in your work. Your instructor can see the details; please let them "
                             "know. You may also resubmit."}
    results["execution_time"] = max(1, round(time.perf_counter() - started))
    path = layout.results / "results.json"
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps(results, indent=2) + "\n")
    partial.replace(path)
    log(f"wrote {path}: {results['score']:g} points")
    return results


def _grade(layout, cell_timeout, log):
    from .grade import grade

    written = course.written_assignments(layout.course)
    settings = layout.settings()
    if cell_timeout is None:
        cell_timeout = os.environ.get("BACKPROP_LAB_CELL_TIMEOUT") or settings.get("cell_timeout")
    found, notes = find_notebooks(layout.submission, written)
    if not found:
        expected = ", ".join(f"{a.notebook}.ipynb" for a in written)
        return {"score": 0.0, "tests": [],
                "output": "\n".join(notes + [f"No notebook to grade: the submission should contain {expected}."])}

    for name in ("submitted", ".grading", "autograded", "feedback"):   # a clean slate per submission
        shutil.rmtree(layout.course / name, ignore_errors=True)
    for assignment, path in found.items():
        folder = layout.course / "submitted" / STUDENT / assignment.name
        folder.mkdir(parents=True)
        if path is not None:
            # a link stays a link, which the grader refuses (grading/inputs.py): never followed
            shutil.copyfile(path, folder / f"{assignment.notebook}.ipynb", follow_symlinks=False)

    confine = sandbox_available()
    if not confine:
        log("warning: the sandbox is not available in this container; student code runs unconfined")
    chosen_options = options.for_course(layout.course, float(cell_timeout) if cell_timeout else None,
                                        workers=1, confine=confine)
    submissions, rows, seconds = grade(layout.course, layout.course / "submitted", chosen_options, log=log)
    log(f"graded in {seconds:.1f} s")
    return results_json(layout.course, submissions, rows, notes, sandboxed=confine)


def find_notebooks(submission: Path, assignments: list) -> tuple:
    """({assignment: notebook path or None}, notes) for the notebooks in a Gradescope submission.

    A notebook is recognised by its file name (loss.ipynb is 01_loss), in any sub-folder. When the
    bundle grades a single assignment, a lone notebook under another name is graded as that
    assignment, and a submission without any notebook is graded as missing (zero, every test listed).
    """
    submission = Path(submission)
    notebooks = []
    if submission.is_dir():
        notebooks = sorted((p for p in submission.rglob("*.ipynb") if p.is_file() and not any(
            part.startswith(".") or part == "__MACOSX" for part in p.relative_to(submission).parts)),
            key=lambda p: (len(p.relative_to(submission).parts), str(p)))
    by_name = {f"{a.notebook}.ipynb".lower(): a for a in assignments}
    found, notes = {}, []
    for path in notebooks:
        assignment = by_name.get(path.name.lower())
        if assignment is not None and assignment not in found:
            found[assignment] = path
    if not found and len(assignments) == 1:
        assignment = assignments[0]
        if len(notebooks) == 1:
            found[assignment] = notebooks[0]
            notes.append(f"Your notebook is named {notebooks[0].name}, not {assignment.notebook}.ipynb: "
                         "it was graded as the assignment's notebook.")
        else:
            found[assignment] = None
            what = "no notebook" if not notebooks else f"{len(notebooks)} notebooks, none named so"
            notes.append(f"The submission should contain {assignment.notebook}.ipynb ({what} found).")
    return found, notes


def results_json(course_dir: Path, submissions: list, rows: list, notes=(), sandboxed: bool = True) -> dict:
    """Gradescope's results.json (as a dict) for the graded submissions of one student."""
    course_dir = Path(course_dir)
    scores = {(row["assignment"], row["cell"]): row for row in rows}
    tests, summary, flags = [], list(notes), []
    for submission in submissions:
        assignment = submission.assignment
        source = nbformat.read(assignment.source(course_dir), as_version=4)
        graded = _graded_cells(source)
        secrets = secret_lines([cell.source for cell in source.cells])
        sources = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell.source for cell in source.cells}
        autograded = _autograded_cells(course_dir, submission)
        labels = _code_cell_labels(course_dir, submission)
        auto_cells = [grade_id for grade_id, kind in graded.items() if kind != "manual"]
        manual = {grade_id: scores.get((assignment.name, grade_id), {}).get("max_score", 0)
                  for grade_id, kind in graded.items() if kind == "manual"}
        got = top = 0.0
        exposed = False  # a hidden part has run: what student code says from then on is withheld (hidden.py)
        for grade_id in auto_cells:
            row = scores.get((assignment.name, grade_id))
            if row is None:
                continue
            score, max_score = float(row["score"] or 0), float(row["max_score"])
            got, top = got + score, top + max_score
            cell, hidden = autograded.get(grade_id), graded[grade_id] == "hidden"
            checks = []
            if hidden:
                part, passed, seen = hidden_part(sources[grade_id]), score >= max_score, cell or {"outputs": []}
                checks = checks_of(grade_id, seen, part, passed)
                exposed = exposed or ran(seen, part, passed)
            output = _test_output(cell, score, max_score, hidden=hidden, hidden_lines=secrets, checks=checks,
                                  exposed=exposed)
            tests.append({"name": f"{assignment.name}: {grade_id}", "score": score, "max_score": max_score,
                          "status": "passed" if score >= max_score else "failed",
                          "output": output, "visibility": "visible"})
        summary.append(f"{assignment.name} ({assignment.notebook}.ipynb): {got:g} / {top:g} points "
                       "from the automatic tests.")
        if manual:
            summary.append(f"Written answers ({', '.join(manual)}: {sum(manual.values()):g} points) are graded "
                           "by hand later and are not part of this score.")
        shown = [_for_students(flag) for flag in submission.flags]
        reasons = submission.problems + [_name_cells(flag, labels) for flag in shown]
        flags += [f"{assignment.name}: {reason}" for reason in shown]
        if reasons:
            summary.append("Notes from the grader:")
            summary += [f"- {reason}" for reason in reasons]
    if any(t["status"] == "failed" for t in tests):
        summary.append("Tests marked \"hidden tests\" show only whether they passed. Run the visible test "
                       "under each exercise in your notebook; the hidden tests check more cases (other "
                       "shapes, a batch of one, inputs left unchanged).")
    score = round(sum(t["score"] for t in tests), 6)
    return {"score": score, "output": "\n".join(summary), "tests": tests,
            "extra_data": {"flagged": bool(flags), "flags": flags, "sandboxed": sandboxed,
                           "problems": [p for s in submissions for p in s.problems]}}


def _graded_cells(notebook):
    """{grade_id: "hidden" | "visible" | "manual"} for the graded cells, in notebook order."""
    kinds = {}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade") or "grade_id" not in meta:
            continue
        if cell.cell_type != "code" or meta.get("solution") or meta.get("task"):
            kinds[meta["grade_id"]] = "manual"
        else:
            kinds[meta["grade_id"]] = "hidden" if HIDDEN_MARK in cell.source else "visible"
    return kinds


def _autograded_path(course_dir, submission):
    a = submission.assignment
    return Path(course_dir) / "autograded" / submission.student / a.name / f"{a.notebook}.ipynb"


def _autograded_cells(course_dir, submission):
    """{grade_id: cell} of the autograded notebook (the outputs the score was computed from)."""
    path = _autograded_path(course_dir, submission)
    if not path.is_file():
        return {}
    notebook = nbformat.read(path, as_version=4)
    return {cell.metadata["nbgrader"]["grade_id"]: cell for cell in notebook.cells
            if "grade_id" in cell.metadata.get("nbgrader", {})}


def _code_cell_labels(course_dir, submission):
    """{n: label} for the n-th code cell (1-based, as the grader's flags count them)."""
    path = _autograded_path(course_dir, submission)
    if not path.is_file():
        return {}
    code = [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    return {n: cell.metadata.get("nbgrader", {}).get("grade_id", f"code cell {n}")
            for n, cell in enumerate(code, start=1)}


_FLAG_CELLS = re.compile(r"(.*) \(cells? ([\d, ]+)\)", re.S)  # "<reason> (cells 5, 6)", as the grader merges flags


def _for_students(flag):
    """A flag as results.json hands it out: of tampering, not what the student process said it was."""
    if not flag.startswith(REPORTED_BY_STUDENT_PROCESS):
        return flag
    match = _FLAG_CELLS.fullmatch(flag)
    return TAMPERING_SEEN + (flag[match.end(1):] if match else "")


def _name_cells(flag, labels):
    """"timed out after 60 s (cells 5, 6)" -> "timed out after 60 s (in mse_loss, test_mse_forward)"."""
    match = _FLAG_CELLS.fullmatch(flag)
    if not match:
        return flag
    names = [labels.get(int(n), f"code cell {n}") for n in match.group(2).split(", ")]
    return f"{match.group(1)} (in {', '.join(names)})"


def _test_output(cell, score, max_score, hidden, hidden_lines, checks=(), exposed=False):
    """What the student is told about one test cell: of a hidden part, only its checks that failed;
    once a hidden part has run (`exposed`), nothing student code printed or put in an error."""
    errors = [o for o in (cell.outputs if cell is not None else []) if o.get("output_type") == "error"]
    grader = [(o.get("ename"), SHOWN_ERRORS.get(o.get("ename")) or o.get("evalue", "")) for o in errors
              if o.get("ename") in SHOWN_ERRORS]
    reason = "; ".join(dict.fromkeys(_redact(text, hidden_lines) for _, text in grader))
    if score >= max_score:
        return "passed"
    verdict = "partly passed" if score > 0 else "failed"
    if hidden:
        said = [reason] if reason else []
        said += [_redact(check.summary(), hidden_lines) for check in checks if not check.passed]
        return f"{verdict} (hidden tests)" + (f": {'; '.join(said)}" if said else "")
    if reason:
        return f"{verdict}: {reason}"
    if errors:
        error = after_exposure(errors[0], raised_by_student(errors[0])) if exposed else errors[0]
        message = f"{error.get('ename', 'Error')}: {error.get('evalue', '')}"
    else:
        stderr = "".join(o.get("text", "") for o in (cell.outputs if cell is not None else [])
                         if o.get("output_type") == "stream" and o.get("name") == "stderr")
        if stderr and exposed:
            stderr = "(withheld: written after hidden tests ran)"
        message = f"the test wrote to stderr: {stderr}" if stderr else f"{score:g} of {max_score:g} points"
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + " [...]"
    return f"{verdict}: {_redact(message, hidden_lines)}"


def _redact(text, hidden_lines):
    """Student code can capture a hidden test's source and raise it later: never echo it."""
    if any(line in text for line in hidden_lines):
        return "(message withheld: it quotes hidden test code)"
    return text


# ---------------------------------------------------------------------------------------------


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backprop_lab.grading.gradescope", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=["prepare", "run"], help="prepare: once per image; run: per submission")
    parser.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT", DEFAULT_ROOT),
                        help="Gradescope's folder (default: $AUTOGRADER_ROOT or /autograder)")
    parser.add_argument("--timeout", type=float, help="seconds allowed per cell (default: the bundle's setting)")
    args = parser.parse_args(argv)
    import logging
    logging.basicConfig(level=logging.ERROR, format="%(name)s: %(message)s")
    if args.step == "prepare":
        prepare(args.root)
    else:
        run(args.root, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
