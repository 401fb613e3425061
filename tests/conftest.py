from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (assignment, variant, score, max score, cells that lost points), filled by test_fairness.py
fairness_rows = []
# (assignment, variant, expected diagnosis, diagnoses named, hit), filled by test_fairness.py
diagnosis_rows = []


def pytest_sessionfinish(session):
    """Under pytest-xdist the tables are filled in a worker: hand them to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["fairness_rows"] = [list(row[:4]) + [sorted(row[4])] for row in fairness_rows]
        workeroutput["diagnosis_rows"] = [list(row) for row in diagnosis_rows]


def pytest_testnodedown(node, error):
    output = getattr(node, "workeroutput", {})
    fairness_rows.extend((*row[:4], set(row[4])) for row in output.get("fairness_rows", []))
    diagnosis_rows.extend(tuple(row) for row in output.get("diagnosis_rows", []))


def pytest_terminal_summary(terminalreporter):
    if diagnosis_rows:
        hits = sum(hit for *_, hit in diagnosis_rows)
        terminalreporter.section(f"diagnoses: {hits} of {len(diagnosis_rows)} mistakes get the one they name "
                                 f"({hits / len(diagnosis_rows):.0%})")
        for assignment, variant, expected, named, hit in sorted(diagnosis_rows):
            terminalreporter.write_line(f"{assignment:<24} {variant:<48} {'ok ' if hit else 'MISS'} "
                                        f"{expected:<26} got: {', '.join(named) or '-'}")
    if not fairness_rows:
        return
    terminalreporter.section("fairness: scores of the kept submissions (backprop-lab grade)")
    for assignment, variant, score, top, lost in sorted(fairness_rows):
        terminalreporter.write_line(f"{assignment:<24} {variant:<48} {score:>5g}/{top:<4g} "
                                    f"{'lost: ' + ', '.join(sorted(lost)) if lost else 'full marks'}")
