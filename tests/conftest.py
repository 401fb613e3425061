from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (assignment, variant, score, max score, cells that lost points), filled by test_fairness.py
fairness_rows = []
# (assignment, variant, expected diagnosis, diagnoses named, hit), filled by test_fairness.py
diagnosis_rows = []


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
    terminalreporter.section("fairness: stock nbgrader scores of the kept submissions")
    for assignment, variant, score, top, lost in sorted(fairness_rows):
        terminalreporter.write_line(f"{assignment:<24} {variant:<48} {score:>5g}/{top:<4g} "
                                    f"{'lost: ' + ', '.join(sorted(lost)) if lost else 'full marks'}")
