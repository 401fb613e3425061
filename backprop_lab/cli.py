"""The `backprop-lab` command: release | validate | grade | collect | export | report | gradescope | demo."""
import argparse
import logging
import os
import sys
import time
from pathlib import Path

from .instructor import course
from .instructor.validate import validate


def release(root, names):
    """Regenerate release/ from source/ with nbgrader, for the chosen written assignments."""
    for assignment in chosen(root, names):
        course.generate(root, assignment)
        print(f"released {assignment.name} -> {assignment.release(root).relative_to(root)}")


def validate_course(root, names, workers):
    """Validate the chosen written assignments in parallel; print a table; return True if all pass."""
    written = chosen(root, names)
    missing = [a.name for a in course.all_assignments(root) if a not in course.written_assignments(root)]
    print(f"validating {len(written)} assignment(s): nbgrader generates each release, "
          "backprop-lab grade scores the solution and the blank release"
          + (f" (not written yet: {', '.join(missing)})" if missing else ""), flush=True)
    started = time.perf_counter()
    reports = validate(root, written, workers)
    print(f"\n{'assignment':<26}{'graded cells':>13}{'auto pts':>10}{'manual pts':>11}"
          f"{'solution':>10}{'blank':>8}  status")
    for r in reports:
        print(f"{r.assignment.name:<26}{r.graded_cells:>13}{r.autograded_points:>10g}{r.manual_points:>11g}"
              f"{r.solution_score:>10g}{r.blank_score:>8g}  {'ok' if r.ok else 'FAILED'}")
    for r in reports:
        for problem in r.problems:
            print(f"  {r.assignment.name}: {problem}")
    print(f"\n(solution and blank are autograded points; manual points are for written answers, "
          f"graded in formgrader) {time.perf_counter() - started:.1f} s")
    return all(r.ok for r in reports)


def grade_class(root, args):
    """Grade every submission; print the grade table and every flagged submission."""
    from .grading import options, results
    from .grading.grade import grade

    logging.basicConfig(level=logging.ERROR, format="%(name)s: %(message)s")

    submitted = args.submissions or root / "submitted"
    chosen_options = options.for_course(root, args.timeout, workers=args.workers, confine=not args.no_sandbox,
                                        figures=args.figures, tamper_checks=not args.boundary_only)
    submissions, rows, seconds = grade(root, submitted, chosen_options, report=True)
    results.print_table(submissions)
    flagged = [s for s in submissions if s.flags or s.problems]
    if flagged:
        print("\nsubmissions that need a look:")
        for s in flagged:
            for reason in s.problems + s.flags:
                print(f"  {s.student}/{s.assignment.name}: {reason}")
    executed = [s for s in submissions if not s.reused]
    print(f"\n{len(submissions)} notebook(s) graded in {seconds:.1f} s ({len(executed)} run, "
          f"{len(submissions) - len(executed)} unchanged since the last run). Written: gradebook.db, "
          "autograded/, feedback/, grades.csv, cell_results.csv, report/")
    return _said_where_the_report_is(root)


def write_class_report(root):
    """report/index.html from the CSVs just written; says where it is."""
    from .instructor.report import write_report

    write_report(root)
    return _said_where_the_report_is(root)


def _said_where_the_report_is(root):
    from .instructor.report import report_path

    path = report_path(root)
    if not path.is_file():
        return 1  # (why it could not be written was said)
    print(f"\nClass report: {path.as_uri()}")
    return 0


def collect_zip(root, args):
    """Place an LMS download's notebooks into submitted/ and say what went where."""
    from .instructor.collect import collect, print_outcome

    print_outcome(collect(root, args.zip, args.assignment), root)
    return 0


def export_grades(root, args):
    """Write the gradebook's totals for the LMS (canvas) or as the plain table (csv)."""
    from .instructor.export import export, parse_canvas_ids

    default = root / "export" / ("canvas.csv" if args.format == "canvas" else "grades.csv")
    path, totals = export(root, args.format, args.output or default, parse_canvas_ids(args.canvas_id))
    print(f"wrote {path} ({len(totals.students)} students, {len(totals.assignments)} assignments; "
          "totals from gradebook.db, written answers graded in formgrader included)")
    if totals.pending:
        print(f"  {len(totals.pending)} submission(s) still have written answers to grade in formgrader "
              "(they count as zero): " + ", ".join(f"{s}/{a}" for s, a in sorted(totals.pending)))
    no_id = [s["id"] for s in totals.students if not s["lms_user_id"]]
    if args.format == "canvas" and no_id:
        print(f"  {len(no_id)} student(s) have no Canvas user id (collect records it from Canvas's file "
              "names); Canvas can only match them by name: " + ", ".join(no_id))
    return 0


def gradescope_bundle(root, args):
    """Build the Gradescope autograder zip and say how to use it."""
    from .grading.gradescope import build_bundle

    output, assignments, sizes = build_bundle(root, args.output, args.assignments, args.timeout)
    auto = manual = 0.0
    for assignment in assignments:
        for points, autograded in _cell_points(root, assignment):
            auto, manual = (auto + points, manual) if autograded else (auto, manual + points)
    print(f"wrote {output} ({len(sizes)} files, {sum(sizes.values()) / 1e6:.1f} MB uncompressed) for "
          f"{', '.join(a.name for a in assignments)}")
    print(f"\nOn Gradescope: create a Programming Assignment worth {auto:g} autograder points, then "
          f"Configure Autograder -> Zip file upload -> {output.name} (base image Ubuntu 22.04 or newer). "
          "Students upload their notebook(s) under the release's file name"
          + (f"; the written answers ({manual:g} points) are graded by hand, e.g. as a separate "
             "manually graded question." if manual else ".")
          + " See autograder/README.md.")
    return 0


def _cell_points(root, assignment):
    """(points, autograded) for each graded cell of the source notebook."""
    import nbformat

    for cell in nbformat.read(assignment.source(root), as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            yield float(meta.get("points", 0)), cell.cell_type == "code" and not meta.get("solution")


def demo(root, args):
    """Release the course, then grade the demo class in examples/submitted/."""
    release(root, [])
    examples = root / "examples" / "submitted"
    if not examples.is_dir():
        raise SystemExit(f"backprop-lab demo: no demo class in {examples}")
    print(f"\ngrading the demo class in {examples.relative_to(root)}/ "
          f"(per-cell time limit {args.timeout:g} s; see examples/README.md for who is who) ...", flush=True)
    args.submissions, args.no_sandbox, args.figures, args.boundary_only = examples, False, False, False
    status = grade_class(root, args)
    print(f"\nFeedback for each student: {root / 'feedback'}/<student>/<assignment>/<notebook>.html\n"
          f"Grades: {root / 'grades.csv'} (per cell: {root / 'cell_results.csv'}); "
          f"written answers: `.venv/bin/nbgrader formgrader`.\n"
          "Course integrity (solutions score full marks, blank release zero): `backprop-lab validate`.")
    return status


def chosen(root, names):
    """The written assignments named (all of them when `names` is empty)."""
    written = course.written_assignments(root)
    unknown = set(names) - {a.name for a in written}
    if unknown:
        raise SystemExit(f"backprop-lab: no written assignment named {', '.join(sorted(unknown))} "
                         f"(written: {', '.join(a.name for a in written)})")
    return [a for a in written if not names or a.name in names]


def _leave(status):
    """End the process without Python's teardown of torch, matplotlib and IPython, which takes
    about a second: the command has closed every file it wrote; its output is flushed here."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="backprop-lab", description=__doc__)
    parser.add_argument("--course", help="course folder (default: the one containing the current folder)")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in [("release", "regenerate release/ from source/ with nbgrader"),
                       ("validate", "check that the course is consistent and fairly graded")]:
        sub = commands.add_parser(name, help=text)
        sub.add_argument("assignments", nargs="*", help="assignment names (default: all written ones)")
        if name != "release":
            sub.add_argument("--workers", type=int, default=2, help="notebooks graded at once")
    sub = commands.add_parser("grade", help="grade every submission, isolated and in parallel")
    sub.add_argument("submissions", nargs="?", type=Path,
                     help="folder of <student>/<assignment>/ submissions (default: submitted/)")
    sub.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="notebooks run at once")
    sub.add_argument("--timeout", type=float, help="seconds allowed per cell (default: c.Execute.timeout of nbgrader_config.py)")
    sub.add_argument("--no-sandbox", action="store_true", help="do not hide the course from student code")
    sub.add_argument("--figures", action="store_true", help="render plots into autograded notebooks and feedback")
    sub.add_argument("--boundary-only", action="store_true",
                     help="for testing the process boundary alone: skip the source scan and the integrity guard")
    sub = commands.add_parser("collect", help="put an LMS download (Canvas, Moodle, Blackboard zip) into submitted/")
    sub.add_argument("zip", type=Path, help="the zip of every submission, as the LMS downloads it")
    sub.add_argument("--assignment", help="the download is of this one assignment: any notebook name goes there")
    sub = commands.add_parser("export", help="write grades for the LMS (canvas) or as a plain table (csv)")
    sub.add_argument("--format", choices=["canvas", "csv"], default="canvas", help="canvas: Canvas's gradebook import")
    sub.add_argument("--output", type=Path, help="the CSV to write (default: export/canvas.csv or export/grades.csv)")
    sub.add_argument("--canvas-id", action="append", metavar="ASSIGNMENT=ID",
                     help="Canvas's id of an assignment (its URL ends in /assignments/ID); repeat per assignment")
    commands.add_parser("report", help="rewrite report/index.html from grades.csv and cell_results.csv")
    sub = commands.add_parser("gradescope", help="build the Gradescope autograder bundle (a zip)")
    sub.add_argument("assignments", nargs="*", help="assignments it grades (default: all written ones)")
    sub.add_argument("--output", type=Path, default=Path("autograder.zip"), help="the zip to write")
    sub.add_argument("--timeout", type=float, help="seconds allowed per cell (default: c.Execute.timeout of nbgrader_config.py)")
    sub = commands.add_parser("hub", help="the course on a local JupyterHub: start | stop | remove | status | "
                              "grade A | feedback A (see README, Instructors)")
    from .instructor import hub
    hub.add_arguments(sub)
    sub = commands.add_parser("demo", help="release, then grade the demo class in examples/")
    sub.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="notebooks run at once")
    sub.add_argument("--timeout", type=float, default=10.0, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    try:
        root = course.find_root(args.course)
    except FileNotFoundError as error:
        parser.error(str(error))
    if args.command == "grade":
        _leave(grade_class(root, args))
    if args.command == "hub":
        from .instructor import hub
        return hub.main(root, args)
    if args.command == "gradescope":
        return gradescope_bundle(root, args)
    if args.command == "collect":
        return collect_zip(root, args)
    if args.command == "export":
        return export_grades(root, args)
    if args.command == "report":
        return write_class_report(root)
    if args.command == "demo":
        return demo(root, args)
    if args.command == "release":
        release(root, args.assignments)
    if args.command == "validate":
        return 0 if validate_course(root, args.assignments, args.workers) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
