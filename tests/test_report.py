"""The class report (backprop_lab/report.py): item statistics against a hand-computed example, and
the demo class's report/index.html opened offline in Chromium, its tables checked against
grades.csv and cell_results.csv (recomputed here, not through report.py), every plot drawn and
tied to its table. The demo class is the part test_demo.py grades (shared, graded once)."""
import csv
import math
import os
from statistics import mean, median

import pytest

import lab
from backprop_lab.instructor.report import BINS, histogram, item_statistics
from classes import graded_demo


def test_item_statistics_match_a_hand_computed_example():
    # Four students, four cells (points: a 1, b 2, c 1, d 1):
    #        a  b  c  d   total
    #   s1   1  2  1  1     5
    #   s2   1  0  0  1     2
    #   s3   0  2  0  1     3
    #   s4   0  0  0  1     1
    # Corrected item-total correlation, by hand (rest = total of the other cells, d adds 1 to all):
    #   a: item 1,1,0,0   rest 4,1,3,1: deviations ±.5 and 1.75,-1.25,.75,-1.25 -> cov sum .5,
    #      sums of squares 1 and 6.75 -> r = .5 / sqrt(6.75) = 0.19245
    #      (point-biserial: (M1 - M0) / s * sqrt(pq) = (2.5 - 2) / sqrt(6.75 / 4) * .5, the same)
    #   b: item 2,0,2,0   rest 3,2,1,1: cov sum 1, squares 4 and 2.75 -> r = 1 / sqrt(11) = 0.30151
    #   c: item 1,0,0,0   rest 4,2,3,1: deviations .75,-.25,-.25,-.25 and 1.5,-.5,.5,-1.5
    #      -> cov sum 1.5, squares .75 and 5 -> r = 1.5 / sqrt(3.75) = 0.7746
    #   d: everyone has it: undefined (None)
    table = {"s1": [1, 2, 1, 1], "s2": [1, 0, 0, 1], "s3": [0, 2, 0, 1], "s4": [0, 0, 0, 1]}
    tops = [1, 2, 1, 1]
    scores = {s: {cell: (v, top) for cell, v, top in zip("abcd", row, tops)} for s, row in table.items()}
    stats = item_statistics("x", scores)
    # hardest first: c (1 of 4 full), then a and b (2 of 4, half the points each: by name), then d
    assert [s.cell for s in stats] == ["c", "a", "b", "d"]
    by = {s.cell: s for s in stats}
    assert [by[c].pass_rate for c in "abcd"] == [0.5, 0.5, 0.25, 1.0]
    assert [by[c].mean for c in "abcd"] == [0.5, 1.0, 0.25, 1.0]
    assert by["a"].discrimination == pytest.approx(0.5 / math.sqrt(6.75), abs=1e-12)
    assert by["b"].discrimination == pytest.approx(1 / math.sqrt(11), abs=1e-12)
    assert by["c"].discrimination == pytest.approx(1.5 / math.sqrt(3.75), abs=1e-12)
    assert by["d"].discrimination is None
    assert all(s.n == 4 for s in stats)


def test_a_cell_someone_has_no_score_for_counts_only_those_who_have():
    scores = {"s1": {"a": (1, 1), "w": (2, 2)}, "s2": {"a": (0, 1)}, "s3": {"a": (1, 1), "w": (0, 2)}}
    by = {s.cell: s for s in item_statistics("x", scores)}
    assert (by["w"].n, by["w"].pass_rate, by["w"].mean) == (2, 0.5, 1.0)
    assert by["w"].discrimination is None   # two takers: too few for a correlation


def test_histogram_bins():
    counts = histogram([(0, 20), (1.9, 20), (2, 20), (13, 20), (14, 20), (19.9, 20), (20, 20), (21, 21)])
    assert len(counts) == BINS
    assert counts == [2, 1, 0, 0, 0, 0, 1, 1, 0, 3]


# --- the demo class's report in a browser ----------------------------------------------------------

def _expected(scratch):
    """What the report must say, straight from the CSVs."""
    with open(scratch / "grades.csv", newline="") as f:
        grades = list(csv.DictReader(f))
    with open(scratch / "cell_results.csv", newline="") as f:
        cells = list(csv.DictReader(f))
    return grades, cells


def _num(text):
    text = text.strip()
    return None if text in ("–", "") else float(text)


@pytest.fixture(scope="module")
def report_page(tmp_path_factory):
    if not lab.CHROMIUM.exists() and os.environ.get("CI") != "true":
        pytest.skip(f"no Chromium at {lab.CHROMIUM}")
    from playwright.sync_api import sync_playwright

    scratch, done, _ = graded_demo(tmp_path_factory)
    path = scratch / "report" / "index.html"
    assert f"Class report: {path.as_uri()}" in done.stdout   # linked at the end of the command's output
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(lab.CHROMIUM), headless=True,
                                             args=lab.CHROMIUM_ARGS)
        try:
            context = browser.new_context(offline=True, viewport=lab.VIEWPORT)
            requests = []
            context.on("request", lambda request: requests.append(request.url))
            tab = context.new_page()
            tab.goto(path.as_uri(), wait_until="load")
            page = tab.evaluate(PAGE_READER)
        finally:
            browser.close()
    return scratch, page, requests


# Everything the test needs from the drawn page, read in one go: tables as text, figures with the
# boxes of their drawing and of each bar.
PAGE_READER = """() => {
  const tables = {};
  for (const t of document.querySelectorAll('table')) {
    tables[t.id] = {figure: t.dataset.figure || null,
                    headers: [...t.querySelectorAll('thead th')].map(th => th.innerText.trim()),
                    rows: [...t.querySelectorAll('tbody tr')].map(tr => [...tr.cells].map(td => td.innerText))};
  }
  const figures = [...document.querySelectorAll('figure.plot')].map(f => {
    const svg = f.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : null;
    const bars = [...f.querySelectorAll('g[id*="-bar-"]')].map(g => {
      const b = g.getBoundingClientRect();
      return {id: g.id, width: b.width, height: b.height};
    });
    return {id: f.id, table: f.getAttribute('aria-describedby'), label: svg && svg.getAttribute('aria-label'),
            width: box && box.width, height: box && box.height,
            shapes: svg ? svg.querySelectorAll('path, use, line, rect').length : 0, bars};
  });
  return {tables, figures, scripts: document.scripts.length, text: document.body.innerText};
}"""


def test_the_report_loads_nothing_and_runs_nothing(report_page):
    scratch, page, requests = report_page
    assert page["scripts"] == 0
    assert [url for url in requests if not url.startswith("file://")] == []


def test_every_plot_is_drawn_and_has_its_table(report_page):
    _, page, _ = report_page
    figures, tables = page["figures"], page["tables"]
    # progress, one histogram and one graded-cell plot per assignment, failed checks, mistakes
    assert len(figures) == 1 + 2 * 2 + 2, [f["id"] for f in figures]
    for figure in figures:
        assert figure["label"], figure["id"]
        assert figure["width"] > 200 and figure["height"] > 100, figure
        assert figure["shapes"] > 8, figure   # axes, ticks and the data, not an empty box
        table = tables.get(figure["table"])
        assert table and table["figure"] == figure["id"] and table["rows"], figure["id"]
        if figure["id"] != "fig-progress":   # a bar for each row of the table, drawn where it is not zero
            assert len(figure["bars"]) == len(table["rows"]), figure["id"]
            assert any(bar["width"] > 1 and bar["height"] > 1 for bar in figure["bars"]), figure["id"]


def test_histograms_match_grades_csv(report_page):
    scratch, page, _ = report_page
    grades, _ = _expected(scratch)
    assignments = sorted({g["assignment"] for g in grades})
    for i, assignment in enumerate(assignments, 1):
        counts = [0] * 10
        for g in grades:
            if g["assignment"] == assignment:
                share = float(g["score"]) / float(g["max_score"])
                counts[min(int(share * 10 + 1e-9), 9)] += 1
        table = page["tables"][f"table-hist-{i}"]
        assert [int(_num(row[1])) for row in table["rows"]] == counts, assignment
        # the bars are drawn at the table's heights
        figure = next(f for f in page["figures"] if f["id"] == f"fig-hist-{i}")
        heights = [bar["height"] for bar in sorted(figure["bars"], key=lambda b: int(b["id"].rsplit("-", 1)[1]))]
        assert len(heights) == 10
        unit = max(heights) / max(counts)
        for count, height in zip(counts, heights):
            assert height == pytest.approx(count * unit, abs=1.0), (assignment, counts, heights)


def test_progress_table_matches_grades_csv(report_page):
    scratch, page, _ = report_page
    grades, _ = _expected(scratch)
    rows = {row[0]: [_num(v) for v in row[1:]] for row in page["tables"]["table-progress"]["rows"]}
    assert sorted(rows) == sorted({g["assignment"] for g in grades})
    for assignment, shown in rows.items():
        scores = [float(g["score"]) for g in grades if g["assignment"] == assignment]
        top = max(float(g["max_score"]) for g in grades if g["assignment"] == assignment)
        expected = [len(scores), mean(scores), median(scores), min(scores), max(scores), top]
        assert shown == pytest.approx(expected, abs=0.006), assignment


def test_graded_cell_tables_match_cell_results_csv(report_page):
    import numpy as np

    scratch, page, _ = report_page
    _, cells = _expected(scratch)
    assignments = sorted({c["assignment"] for c in cells})
    for i, assignment in enumerate(assignments, 1):
        table = page["tables"][f"table-items-{i}"]
        assert table["headers"] == ["cell", "graded", "full points (%)", "mean points", "max points", "discrimination"]
        known = [c for c in cells if c["assignment"] == assignment and c["needs_manual_grade"] == "False"]
        totals = {}
        for c in known:
            totals[c["student"]] = totals.get(c["student"], 0.0) + float(c["score"])
        shown = {row[0]: [_num(v) for v in row[1:]] for row in table["rows"]}
        assert sorted(shown) == sorted({c["cell"] for c in known})
        pass_rates = []
        for cell, (n, full, points, top, discrimination) in shown.items():
            rows = [c for c in known if c["cell"] == cell]
            item = np.array([float(c["score"]) for c in rows])
            rest = np.array([totals[c["student"]] for c in rows]) - item
            assert n == len(rows) and top == max(float(c["max_score"]) for c in rows)
            assert full == pytest.approx(100 * np.mean(item == top), abs=0.05)
            assert points == pytest.approx(item.mean(), abs=0.006)
            if item.std() and rest.std() and len(rows) >= 3:
                assert discrimination == pytest.approx(np.corrcoef(item, rest)[0, 1], abs=0.006), cell
            else:
                assert discrimination is None, cell
            pass_rates.append(full)
        assert pass_rates == sorted(pass_rates)   # hardest first


def test_checks_mistakes_and_flags_match_the_csvs(report_page):
    scratch, page, _ = report_page
    grades, cells = _expected(scratch)
    generic = {"error", "not_implemented", "unnamed"}
    mistakes, checks = {}, {}
    for c in cells:
        for check, diagnosis in zip(c["failed_checks"].split("; "), c["diagnoses"].split("; ")):
            if diagnosis and diagnosis not in generic:
                mistakes.setdefault(diagnosis, set()).add(c["student"])
                checks.setdefault((c["assignment"], c["cell"], check), set()).add(c["student"])
    assert mistakes, "the demo class's ben makes named mistakes"
    shown = {row[0]: int(_num(row[1])) for row in page["tables"]["table-mistakes"]["rows"]}
    assert shown == {name: len(who) for name, who in mistakes.items()}
    shown = {tuple(row[:3]): int(_num(row[3])) for row in page["tables"]["table-checks"]["rows"]}
    assert len(checks) <= 15 and shown == {key: len(who) for key, who in checks.items()}
    flagged = {(g["student"], g["assignment"]): g["flagged"] for g in grades if g["flagged"]}
    shown = {(row[0], row[1]): row[3] for row in page["tables"]["table-flagged"]["rows"]}
    assert shown == flagged and ("dev", "01_loss") in shown and ("eve", "01_loss") in shown
    # four students handed in no 02_activations: the report lists them as missing
    missing = {tuple(row) for row in page["tables"]["table-missing"]["rows"]}
    assert missing == {(s, "02_activations") for s in ("ben", "cleo", "dev", "eve")}
