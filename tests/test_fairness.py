"""Hidden tests are fair: every correct variant gets full marks, and every realistic mistake loses
points exactly on the cells that test what it got wrong. The whole corpus is graded once by
`backprop-lab grade` (nbgrader's own scoring, see test_parity.py for the equivalence with stock
`nbgrader autograde`)."""
import pytest

from backprop_lab.instructor import course
from classes import diagnoses_of, grade_with_backprop_lab, scratch_class, student_notebook
from conftest import ROOT, diagnosis_rows, fairness_rows
from variants import variants

ASSIGNMENTS = [a for a in course.written_assignments(ROOT) if variants(a.name)]
CASES = [(a, v) for a in ASSIGNMENTS for v in variants(a.name)]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """grade(assignment) -> {variant: {test cell: (score, max)}}, grading each assignment's
    variants once, in one batch (so `-k <assignment>` grades only that assignment);
    grade(assignment, diagnoses=True) -> {variant: {test cell: [diagnosis, ...]}} of that batch."""
    cache = {}

    def grade(assignment, diagnoses=False):
        if assignment.name not in cache:
            submissions = {(v.name, assignment.name): student_notebook(assignment, v)
                           for v in variants(assignment.name)}
            scratch = scratch_class(tmp_path_factory.mktemp(assignment.name) / "course", submissions)
            _, scores = grade_with_backprop_lab(scratch, "--timeout", "30")
            cache[assignment.name] = ({student: cells for (student, _), cells in scores.items()},
                                      {student: cells for (student, _), cells in diagnoses_of(scratch).items()})
        return cache[assignment.name][1 if diagnoses else 0]

    return grade


def test_every_assignment_has_fairness_evidence():
    written = {a.name for a in course.written_assignments(ROOT)}
    assert written == {a.name for a in ASSIGNMENTS}, "every written assignment needs tests/submissions/<name>/"
    for assignment in ASSIGNMENTS:
        kinds = [v.correct for v in variants(assignment.name)]
        assert kinds.count(True) >= 3, f"{assignment.name}: at least 3 correct variants"
        assert kinds.count(False) >= 8, f"{assignment.name}: at least 8 mistakes"


@pytest.mark.parametrize("assignment, variant", CASES, ids=[f"{a.name}/{v.name}" for a, v in CASES])
def test_variant_scores_as_expected(graded, assignment, variant):
    scores = graded(assignment)[variant.name]
    unknown = variant.lose - set(scores)
    assert not unknown, f"{variant.name} names test cells that do not exist: {sorted(unknown)}"
    lost = {cell for cell, (score, top) in scores.items() if score != top}
    fairness_rows.append((assignment.name, variant.name, sum(s for s, _ in scores.values()),
                          sum(top for _, top in scores.values()), lost))
    if variant.correct:
        assert not lost, f"correct variant {variant.name} lost points on {sorted(lost)}: {scores}"
    else:
        assert lost == variant.lose, (f"mistake {variant.name} should lose points on {sorted(variant.lose)},"
                                      f" lost on {sorted(lost)}")


MISTAKES = [(a, v) for a, v in CASES if not v.correct]


def test_every_mistake_names_its_diagnosis():
    unnamed = [f"{a.name}/{v.name}" for a, v in MISTAKES if not v.diagnosis]
    assert not unnamed, f"mistake files without a '# diagnosis: <name>' line: {unnamed}"


def test_mistakes_get_their_diagnosis(graded):
    """Each mistake's failed cells name what went wrong (the first line of a failed check, parsed
    from the autograded notebook into cell_results.csv): at least 80 % of the mistakes get the
    diagnosis their file names in at least one failed cell, and every failed cell has one."""
    hits = 0
    for assignment, variant in MISTAKES:
        cells = graded(assignment, diagnoses=True).get(variant.name, {})
        named = sorted({d for found in cells.values() for d in found})
        hit = variant.diagnosis in named
        hits += hit
        diagnosis_rows.append((assignment.name, variant.name, variant.diagnosis, named, hit))
        lost = {cell for cell, (score, top) in graded(assignment)[variant.name].items() if score != top}
        assert lost <= set(cells), f"{variant.name}: cells lost points without a diagnosis: {sorted(lost - set(cells))}"
    ratio = hits / len(MISTAKES)
    assert ratio >= 0.8, f"only {hits} of {len(MISTAKES)} mistakes ({ratio:.0%}) get their diagnosis"
