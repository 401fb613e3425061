"""The class report: report/index.html beside grades.csv, written by every `backprop-lab grade`.

One self-contained page (no script, nothing fetched: plots are inline SVG drawn with matplotlib)
that an instructor opens from disk: how the class did per assignment and over the course, which
graded cells were hardest and how well each separates strong from weak submissions, the most
common failed checks and named mistakes, and the submissions to look at (flagged, missing, late).
Every plot is followed by a table of the same numbers, named by the figure's aria-describedby, so
that a screen reader gets what the picture shows.

Its numbers come from grades.csv and cell_results.csv as the grading run wrote them (scores of
written answers still to be graded by hand count in neither the statistics nor as zero); the
gradebook and collected.csv add students who handed nothing in and late submissions.
"""
import collections
import csv
import dataclasses
import datetime
import html
import io
import math
from pathlib import Path

import numpy as np

from . import course

# Diagnoses that say a cell failed but not which mistake was made (backprop_lab.checks).
GENERIC = {"error": "student code raised an error", "not_implemented": "not attempted (NotImplementedError)",
           "unnamed": "a plain assert failed"}
BINS = 10   # score histogram: 0-10 %, ..., 90-100 % (100 % falls in the last bin)
TOP = 15    # rows of the failed-check and mistake tables


@dataclasses.dataclass
class ItemStat:
    """One graded cell over the class."""
    assignment: str
    cell: str
    max_score: float
    n: int                    # submissions with a score for it (written answers: once graded)
    pass_rate: float          # share with full points
    mean: float               # mean points
    discrimination: float | None   # corrected item-total correlation; None when undefined


def item_statistics(assignment: str, scores: dict) -> list[ItemStat]:
    """Pass rate, mean points and discrimination of every cell of one assignment.

    `scores` is {student: {cell: (score, max_score)}}. Discrimination is the corrected item-total
    correlation: Pearson's r between a submission's points on the cell and its points on every
    other cell of the assignment (for a pass/fail cell, the point-biserial correlation). It is
    None with fewer than three submissions or when either side does not vary (everyone passed).
    Sorted hardest first: lowest pass rate, then lowest mean share of the points."""
    cells = sorted({cell for row in scores.values() for cell in row})
    stats = []
    for cell in cells:
        takers = [s for s in sorted(scores) if cell in scores[s]]
        item = np.array([scores[s][cell][0] for s in takers], dtype=float)
        top = max(scores[s][cell][1] for s in takers)
        rest = np.array([sum(v for c, (v, _) in scores[s].items() if c != cell) for s in takers], dtype=float)
        stats.append(ItemStat(assignment, cell, top, len(takers), float(np.mean(item >= top)),
                              float(item.mean()), _correlation(item, rest)))
    return sorted(stats, key=lambda s: (s.pass_rate, s.mean / s.max_score if s.max_score else 0, s.cell))


def _correlation(x, y):
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def histogram(scores: list[tuple[float, float]]) -> list[int]:
    """Counts of (score, max_score) in BINS equal bins of the share of the maximum: bin k holds
    k/BINS <= share < (k+1)/BINS, and full marks count in the last one."""
    counts = [0] * BINS
    for score, top in scores:
        counts[min(max(math.floor(score * BINS / top), 0), BINS - 1) if top else 0] += 1
    return counts


def bin_label(i: int) -> str:
    width = 100 // BINS
    return f"{i * width}–{(i + 1) * width} %"


# --- reading what the run wrote -----------------------------------------------------------------

@dataclasses.dataclass
class ClassData:
    assignments: list          # names, in teaching order, of those graded
    grades: list               # rows of grades.csv (score and max_score as floats)
    cells: list                # rows of cell_results.csv
    students: list             # everyone known: graded, in the gradebook, or collected
    late: dict                 # (student, assignment) -> how we know


def read_class(root: Path) -> ClassData:
    """grades.csv, cell_results.csv, and who is enrolled and late (gradebook, collected.csv)."""
    root = Path(root)
    for name in ("grades.csv", "cell_results.csv"):
        if not (root / name).is_file():
            raise SystemExit(f"backprop-lab report: no {name} in {root}: grade the class first")
    with open(root / "grades.csv", newline="") as f:
        grades = [{**row, "score": float(row["score"]), "max_score": float(row["max_score"])}
                  for row in csv.DictReader(f)]
    with open(root / "cell_results.csv", newline="") as f:
        cells = list(csv.DictReader(f))
    order = [a.name for a in course.all_assignments(root)]
    graded = {row["assignment"] for row in grades}
    assignments = [a for a in order if a in graded] + sorted(graded - set(order))
    students = {row["student"] for row in grades}
    late = {}
    from .collect import read_manifest

    for key, row in read_manifest(root).items():
        students.add(key[0])
        if row.get("late"):
            late[key] = f"{row['lms'].title()} marked it late"
    enrolled, overdue = _gradebook_people(root, assignments)
    students |= enrolled
    for key, seconds in overdue.items():
        late.setdefault(key, f"{_duration(seconds)} after the due date")
    return ClassData(assignments, grades, cells, sorted(students), late)


def _gradebook_people(root, assignments):
    """Students in the gradebook, and {(student, assignment): seconds late} where it knows a due date."""
    from nbgrader.api import Gradebook

    path = root / course.GRADEBOOK
    if not path.is_file():
        return set(), {}
    students, late = set(), {}
    with Gradebook(course.gradebook_url(root)) as book:
        students = {s.id for s in book.students}
        for name in assignments:
            try:
                submissions = book.assignment_submissions(name)
            except Exception:  # noqa: BLE001 - an assignment nbgrader does not know has no due date
                continue
            for s in submissions:
                if s.total_seconds_late and s.total_seconds_late > 0:
                    late[(s.student_id, name)] = s.total_seconds_late
    return students, late


def _duration(seconds):
    hours = seconds / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


# --- the numbers each section shows -------------------------------------------------------------

def progress_rows(data: ClassData) -> list[dict]:
    """Per assignment: submissions, mean, median, lowest and highest score (points), and the maximum."""
    rows = []
    for a in data.assignments:
        scores = [g["score"] for g in data.grades if g["assignment"] == a]
        top = max(g["max_score"] for g in data.grades if g["assignment"] == a)
        rows.append({"assignment": a, "submissions": len(scores), "max_score": top,
                     "mean": float(np.mean(scores)), "median": float(np.median(scores)),
                     "lowest": min(scores), "highest": max(scores)})
    return rows


def cell_scores(data: ClassData, assignment: str) -> dict:
    """{student: {cell: (score, max_score)}} of one assignment, without answers still to grade by hand."""
    scores = {}
    for row in data.cells:
        if row["assignment"] == assignment and row["needs_manual_grade"] != "True" and row["score"] != "":
            scores.setdefault(row["student"], {})[row["cell"]] = (float(row["score"]), float(row["max_score"]))
    return scores


def failed_check_rows(data: ClassData) -> list[dict]:
    """Failed checks (named by their description) and how many students failed each, most first.
    A failure whose diagnosis is GENERIC (an error raised, a stub) is left to mistake_rows(generic=True):
    it says nothing about which check caught what."""
    who = collections.defaultdict(set)
    for row in data.cells:
        checks, diagnoses = row["failed_checks"].split("; "), row["diagnoses"].split("; ")
        for check, diagnosis in zip(checks, diagnoses):   # parallel lists (grading/grade.py)
            if check and diagnosis not in GENERIC:
                who[(row["assignment"], row["cell"], check)].add(row["student"])
    rows = [{"assignment": a, "cell": c, "check": check, "students": len(s)} for (a, c, check), s in who.items()]
    return sorted(rows, key=lambda r: (-r["students"], r["assignment"], r["cell"], r["check"]))


def mistake_rows(data: ClassData, generic: bool = False) -> list[dict]:
    """Diagnoses (named mistakes, or with generic=True the failures that name none) and how many
    students made each, in which assignments, most first."""
    who, where = collections.defaultdict(set), collections.defaultdict(set)
    for row in data.cells:
        for diagnosis in filter(None, row["diagnoses"].split("; ")):
            if (diagnosis in GENERIC) == generic:
                who[diagnosis].add(row["student"])
                where[diagnosis].add(row["assignment"])
    rows = [{"mistake": d, "students": len(s), "assignments": ", ".join(a for a in data.assignments if a in where[d])}
            for d, s in who.items()]
    return sorted(rows, key=lambda r: (-r["students"], r["mistake"]))


def missing_rows(data: ClassData) -> list[tuple]:
    """(student, assignment) for every known student without a submission of a graded assignment."""
    handed_in = {(g["student"], g["assignment"]) for g in data.grades}
    return [(s, a) for s in data.students for a in data.assignments if (s, a) not in handed_in]


# --- drawing ------------------------------------------------------------------------------------

class _Figures:
    """A page's figures: each laid out as a placeholder (`later`), then all drawn at once (`drawn`),
    half of them in a forked process (drawing is most of the report's time)."""

    def __init__(self):
        self.undrawn = {}  # placeholder -> the call that draws its figure

    def later(self, plot, figure_id, *args):
        """Where `plot(figure_id, *args)`'s figure goes on the page."""
        placeholder = f"\0figure {figure_id}\0"
        self.undrawn[placeholder] = (plot, figure_id, *args)
        return placeholder

    def drawn(self, page):
        """The page with its figures drawn."""
        from ..grading import forked

        undrawn = list(self.undrawn.items())
        theirs = forked.start(lambda: {placeholder: plot(*args) for placeholder, (plot, *args) in undrawn[1::2]})
        drawings = {placeholder: plot(*args) for placeholder, (plot, *args) in undrawn[0::2]}
        drawings.update(theirs())
        for placeholder, svg in drawings.items():
            page = page.replace(placeholder, svg)
        return page


def _svg(figure, figure_id, title):
    """The figure as inline SVG, announced to screen readers as an image named `title`."""
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    buffer = io.StringIO()
    FigureCanvasSVG(figure).print_svg(buffer)
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    return text.replace("<svg ", f'<svg role="img" aria-label="{html.escape(title)}" class="plot-svg" ', 1)


def _figure(width, height, left=0.6, bottom=0.5, top=0.3, right=0.15):
    """A figure with fixed margins in inches (matplotlib's automatic layout took half the report's time)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    figure.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height)
    return figure, figure.add_subplot()


def _label_inches(labels):
    """Room for the longest of `labels` as y tick labels (9 pt text is about 0.075 in a character)."""
    return 0.25 + 0.075 * max((len(label) for label in labels), default=4)


def _style():
    import matplotlib

    # Text stays text (selectable, small, no glyph ids shared between figures); ids are stable.
    return matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "backprop-lab-report",
                                  "font.size": 9, "axes.spines.top": False, "axes.spines.right": False})


def plot_histogram(figure_id, assignment, counts):
    figure, ax = _figure(3.6, 2.4, left=0.5, bottom=0.55)
    bars = ax.bar(range(BINS), counts, width=0.9, color="#3b6ea5")
    for i, bar in enumerate(bars):
        bar.set_gid(f"{figure_id}-bar-{i}")
    ax.set_xticks(range(BINS), [f"{i * 100 // BINS}" for i in range(BINS)])
    ax.set_xlabel("score (% of the maximum, bin start)")
    ax.set_ylabel("submissions")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(assignment)
    return _svg(figure, figure_id, f"Score distribution of {assignment}")


def plot_progress(figure_id, rows):
    figure, ax = _figure(7.0, 2.8, bottom=0.8, right=0.7)
    x = np.arange(len(rows))
    pct = lambda key: [100 * r[key] / r["max_score"] if r["max_score"] else 0 for r in rows]  # noqa: E731
    ax.fill_between(x, pct("lowest"), pct("highest"), color="#3b6ea5", alpha=0.15, label="lowest–highest")
    ax.plot(x, pct("mean"), marker="o", color="#3b6ea5", label="mean", gid=f"{figure_id}-mean")
    ax.plot(x, pct("median"), marker="s", linestyle="--", color="#c0504d", label="median", gid=f"{figure_id}-median")
    ax.set_xticks(x, [r["assignment"] for r in rows], rotation=15)
    ax.set_ylim(-2, 102)
    ax.set_ylabel("score (% of the maximum)")
    ax.legend(loc="best", frameon=False)
    return _svg(figure, figure_id, "Class progress over the assignments")


def plot_items(figure_id, assignment, stats):
    figure, ax = _figure(7.0, 0.9 + 0.28 * len(stats), left=_label_inches([s.cell for s in stats]))
    y = np.arange(len(stats))[::-1]
    bars = ax.barh(y, [100 * s.pass_rate for s in stats], color="#3b6ea5", height=0.7)
    for i, bar in enumerate(bars):
        bar.set_gid(f"{figure_id}-bar-{i}")
    ax.set_yticks(y, [s.cell for s in stats])
    ax.set_xlim(0, 100)
    ax.set_xlabel("students with full points (%)")
    ax.set_title(f"{assignment}: graded cells, hardest first")
    return _svg(figure, figure_id, f"Pass rate of each graded cell of {assignment}")


def plot_counts(figure_id, title, labels, counts):
    labels = [_shorten(label, 60) for label in labels]
    figure, ax = _figure(8.0, 0.9 + 0.28 * max(len(labels), 1), left=_label_inches(labels), top=0.1)
    y = np.arange(len(labels))[::-1]
    bars = ax.barh(y, counts, color="#c0504d", height=0.7)
    for i, bar in enumerate(bars):
        bar.set_gid(f"{figure_id}-bar-{i}")
    ax.set_yticks(y, labels)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("students")
    return _svg(figure, figure_id, title)


def _shorten(text, width):
    return text if len(text) <= width else text[:width - 1] + "…"


# --- the page -----------------------------------------------------------------------------------

def _table(table_id, headers, rows, figure_id=None, caption=""):
    """An HTML table; numbers right-aligned. `figure_id` ties it to the plot it describes."""
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in headers)
    body = []
    for row in rows:
        cells = []
        for value in row:
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            cells.append(f'<td class="num">{_number(value)}</td>' if numeric
                         else f"<td>{html.escape('' if value is None else str(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    tied = f' data-figure="{figure_id}"' if figure_id else ""
    caption = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (f'<table id="{table_id}"{tied}>{caption}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def _number(value):
    if isinstance(value, float) and math.isnan(value):
        return "–"
    return f"{value:g}" if isinstance(value, int) else f"{value:.2f}".rstrip("0").rstrip(".")


def _plot_block(figure_id, svg, caption, table_id, table):
    return (f'<figure class="plot" id="{figure_id}" aria-describedby="{table_id}">{svg}'
            f"<figcaption>{html.escape(caption)} The table below gives the same numbers.</figcaption></figure>"
            f"{table}")


def build_html(data: ClassData, title: str = "Backprop Lab — class report") -> str:
    """The whole page as a string."""
    figures = _Figures()
    with _style():
        return figures.drawn(_build(data, title, figures.later))


def _build(data, title, later):
    sections = []
    progress = progress_rows(data)
    flagged = [g for g in data.grades if g["flagged"]]
    missing = missing_rows(data)
    pending = sum(1 for row in data.cells if row["needs_manual_grade"] == "True")
    summary = (f"{len(data.students)} students, {len(data.grades)} submissions of {len(data.assignments)} "
               f"assignment(s); {len(flagged)} flagged, {len(missing)} missing, {len(data.late)} late. "
               + (f"{pending} written answer(s) are still to be graded in formgrader: they count as zero in "
                  "the scores (as in grades.csv) and are left out of the graded-cell statistics."
                  if pending else "Every written answer has been graded."))
    sections.append(f'<p class="summary">{html.escape(summary)}</p>')

    rows = [[r["assignment"], r["submissions"], r["mean"], r["median"], r["lowest"], r["highest"], r["max_score"]]
            for r in progress]
    sections.append("<h2 id=\"progress\">Progress over the assignments</h2>" + _plot_block(
        "fig-progress", later(plot_progress, "fig-progress", progress),
        "Mean and median score of each assignment in % of its maximum; the band spans lowest to highest.",
        "table-progress", _table("table-progress", ["assignment", "submissions", "mean", "median", "lowest",
                                                    "highest", "max score"], rows, "fig-progress",
                                 "Scores in points")))

    blocks = []
    for i, a in enumerate(data.assignments, 1):
        scores = [(g["score"], g["max_score"]) for g in data.grades if g["assignment"] == a]
        counts = histogram(scores)
        fid, tid = f"fig-hist-{i}", f"table-hist-{i}"
        blocks.append('<div class="cell">' + _plot_block(
            fid, later(plot_histogram, fid, a, counts), f"Score distribution of {a} ({len(scores)} submissions).",
            tid, _table(tid, ["score", "submissions"], [[bin_label(k), c] for k, c in enumerate(counts)], fid,
                        f"{a}: submissions per score bin")) + "</div>")
    sections.append('<h2 id="distributions">Score distributions</h2><div class="grid">' + "".join(blocks) + "</div>")

    blocks = []
    for i, a in enumerate(data.assignments, 1):
        stats = item_statistics(a, cell_scores(data, a))
        if not stats:
            continue
        fid, tid = f"fig-items-{i}", f"table-items-{i}"
        rows = [[s.cell, s.n, round(100 * s.pass_rate, 1), s.mean, s.max_score,
                 float("nan") if s.discrimination is None else s.discrimination] for s in stats]
        blocks.append(_plot_block(
            fid, later(plot_items, fid, a, stats), f"Share of {a}'s submissions with full points on each graded cell.",
            tid, _table(tid, ["cell", "graded", "full points (%)", "mean points", "max points", "discrimination"],
                        rows, fid, f"{a}: graded cells, hardest first")))
    sections.append('<h2 id="items">Graded cells, hardest first</h2><p class="note">Discrimination is the '
                    "corrected item-total correlation: how strongly points on the cell go with points on the "
                    "rest of the assignment (near 1: the cell separates strong from weak submissions; near 0 "
                    "or negative: it does not; – : undefined, when everyone scored the same).</p>"
                    + "".join(blocks))

    checks = failed_check_rows(data)[:TOP]
    sections.append('<h2 id="checks">Most common failed checks</h2>' + (_plot_block(
        "fig-checks", later(plot_counts, "fig-checks", "Most common failed checks",
                                  [f"{r['assignment']}: {r['check']}" for r in checks], [r["students"] for r in checks]),
        "Students who failed each check (the most common first).", "table-checks",
        _table("table-checks", ["assignment", "cell", "check", "students"],
               [[r["assignment"], r["cell"], r["check"], r["students"]] for r in checks], "fig-checks"))
        if checks else "<p>No check failed.</p>"))

    mistakes = mistake_rows(data)[:TOP]
    generic = mistake_rows(data, generic=True)
    sections.append('<h2 id="mistakes">Most common mistakes</h2>' + (_plot_block(
        "fig-mistakes", later(plot_counts, "fig-mistakes", "Most common named mistakes",
                                    [r["mistake"] for r in mistakes], [r["students"] for r in mistakes]),
        "Students whose failed checks point to each mistake (backprop_lab.checks names them).", "table-mistakes",
        _table("table-mistakes", ["mistake", "students", "assignments"],
               [[r["mistake"], r["students"], r["assignments"]] for r in mistakes], "fig-mistakes"))
        if mistakes else "<p>No failed check named a mistake.</p>")
        + ("<h3>Failures that name no mistake</h3>" + _table(
            "table-generic", ["failure", "students", "assignments"],
            [[GENERIC[r["mistake"]], r["students"], r["assignments"]] for r in generic]) if generic else ""))

    sections.append('<h2 id="attention">Submissions to look at</h2>'
                    f"<h3>Flagged ({len(flagged)})</h3>"
                    + (_table("table-flagged", ["student", "assignment", "score", "why"],
                              [[g["student"], g["assignment"], g["score"], g["flagged"]] for g in flagged])
                       if flagged else "<p>None.</p>")
                    + f"<h3>Missing ({len(missing)})</h3>"
                    + (_table("table-missing", ["student", "assignment"], missing) if missing else "<p>None.</p>")
                    + f"<h3>Late ({len(data.late)})</h3>"
                    + (_table("table-late", ["student", "assignment", "how we know"],
                              [[s, a, why] for (s, a), why in sorted(data.late.items())]) if data.late
                       else "<p>None known (collect records Canvas's LATE marker; the gradebook, due dates).</p>"))

    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    return PAGE.format(title=html.escape(title), when=when, body="\n".join(sections))


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #1d1d1f; }}
h1 {{ margin-bottom: .2rem; }} h2 {{ margin-top: 2.2rem; border-bottom: 1px solid #ddd; }}
nav a {{ margin-right: 1rem; }} .summary {{ font-size: 1.05rem; }} .note {{ color: #555; }}
figure {{ margin: 1rem 0 .4rem; }} figcaption {{ color: #555; font-size: .9rem; }}
.plot-svg {{ max-width: 100%; height: auto; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 1rem 1.5rem; }}
table {{ border-collapse: collapse; margin: .4rem 0 1.2rem; font-size: .88rem; }}
caption {{ text-align: left; color: #555; }}
th, td {{ border-bottom: 1px solid #e4e4e4; padding: .2rem .6rem; text-align: left; vertical-align: top; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
</style></head>
<body>
<h1>{title}</h1>
<p class="note">Written {when} from grades.csv and cell_results.csv. Works offline; nothing on this page runs or loads.</p>
<nav><a href="#progress">Progress</a><a href="#distributions">Distributions</a><a href="#items">Graded cells</a>
<a href="#checks">Failed checks</a><a href="#mistakes">Mistakes</a><a href="#attention">To look at</a></nav>
{body}
</body></html>
"""


def report_path(root: Path) -> Path:
    return Path(root) / "report" / "index.html"


def write_report(root: Path) -> Path:
    """Build report/index.html from the class's CSVs; returns its path."""
    page = build_html(read_class(Path(root)))
    path = report_path(root)
    path.parent.mkdir(exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(page, encoding="utf-8")
    partial.replace(path)
    return path
