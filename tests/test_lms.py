"""The round trip with an LMS: `backprop-lab collect ZIP` -> grade -> `backprop-lab export`.

File-name patterns and the never-older rule are checked on small zips without grading; one
synthetic Canvas download (four students, a resubmission, a stray file, an odd name, a file
from nobody) goes all the way through grading of 01_loss, a written answer graded by hand
through nbgrader's API (as formgrader does), and both export formats, checked against the gradebook."""
import csv
import datetime
import shutil
import subprocess
import sys
import zipfile

import pytest

from backprop_lab.instructor import course
from backprop_lab.instructor.collect import collect, notebook_stem, parse_name
from classes import assignment_named, generated_course
from conftest import ROOT

LOSS = assignment_named("01_loss")
EXAMPLES = ROOT / "examples" / "submitted"


def notebook_of(student):
    return (EXAMPLES / student / LOSS.name / "loss.ipynb").read_bytes()


def empty_course(folder, assignments=("01_loss",)):
    """A course with the generated assignments and no submissions."""
    generated = generated_course()
    folder.mkdir(parents=True)
    for name in (course.CONFIG_FILE, "gradebook.db"):
        shutil.copy(generated / name, folder / name)
    for name in assignments:
        for part in ("source", "release"):
            shutil.copytree(generated / part / name, folder / part / name)
    return folder


def make_zip(path, entries):
    """entries: (name, bytes, (y, m, d, H, M, S))."""
    with zipfile.ZipFile(path, "w") as z:
        for name, data, when in entries:
            z.writestr(zipfile.ZipInfo(name, when), data)
    return path


def run(scratch, *args):
    done = subprocess.run([sys.executable, "-m", "backprop_lab.cli", "--course", str(scratch), *args],
                          capture_output=True, text=True, cwd=scratch)
    return done


@pytest.mark.parametrize("name, expected", [
    ("doejane_12345_67890_loss.ipynb", ("canvas", "doejane", "", "12345", "loss.ipynb", False, None, 67890)),
    ("doejane_LATE_12345_67890_loss.ipynb", ("canvas", "doejane", "", "12345", "loss.ipynb", True, None, 67890)),
    ("Jane Doe_12345_assignsubmission_file_/loss.ipynb",
     ("moodle", "jane_doe", "Jane Doe", "12345", "loss.ipynb", False, None, 0)),
    ("download/Jane Doe_12345_assignsubmission_file_loss (1).ipynb",
     ("moodle", "jane_doe", "Jane Doe", "12345", "loss (1).ipynb", False, None, 0)),
    ("Loss_doejane_attempt_2024-03-01-10-15-00_loss.ipynb",
     ("blackboard", "doejane", "", "", "loss.ipynb", False, datetime.datetime(2024, 3, 1, 10, 15), 0)),
    ("readme.txt", None),
])
def test_lms_file_names(name, expected):
    assert parse_name(name) == expected


def test_copy_markers_are_taken_off():
    assert [notebook_stem(n) for n in ["Loss (1).ipynb", "loss-1.ipynb", "loss-Copy1.ipynb", "loss_copy.ipynb",
                                       "five_point_training-Copy1.ipynb"]] == ["loss"] * 4 + ["five_point_training"]


def test_moodle_folders_and_an_older_download_never_replaces_a_newer_submission(tmp_path):
    scratch = empty_course(tmp_path / "course")
    newer = make_zip(tmp_path / "newer.zip", [
        ("Jane Doe_12345_assignsubmission_file_/loss.ipynb", b'{"new": 1}', (2024, 3, 2, 9, 0, 0)),
        ("Jane Doe_12345_assignsubmission_onlinetext_/onlinetext.html", b"<p>hi</p>", (2024, 3, 2, 9, 0, 0))])
    outcome = collect(scratch, newer, log=lambda *_: None)
    target = scratch / "submitted" / "jane_doe" / "01_loss" / "loss.ipynb"
    assert target.read_bytes() == b'{"new": 1}' and len(outcome.placed) == 1
    assert [name for name, _ in outcome.unplaced] == ["Jane Doe_12345_assignsubmission_onlinetext_/onlinetext.html"]
    older = make_zip(tmp_path / "older.zip", [
        ("Jane Doe_12345_assignsubmission_file_/loss.ipynb", b'{"old": 1}', (2024, 3, 1, 9, 0, 0))])
    outcome = collect(scratch, older, log=lambda *_: None)
    assert target.read_bytes() == b'{"new": 1}' and not outcome.placed
    assert "newer" in outcome.kept[0][1]
    latest = make_zip(tmp_path / "latest.zip", [
        ("Jane Doe_12345_assignsubmission_file_/loss.ipynb", b'{"latest": 1}', (2024, 3, 3, 9, 0, 0))])
    collect(scratch, latest, log=lambda *_: None)
    assert target.read_bytes() == b'{"latest": 1}'
    kept = list((scratch / ".collect" / "replaced" / "jane_doe" / "01_loss").iterdir())
    assert [p.read_bytes() for p in kept] == [b'{"new": 1}']   # nothing lost


def test_bad_input_is_refused_clearly(tmp_path):
    scratch = empty_course(tmp_path / "course")
    (tmp_path / "broken.zip").write_bytes(b"not a zip")
    with pytest.raises(SystemExit, match="not a readable zip"):
        collect(scratch, tmp_path / "broken.zip")
    with pytest.raises(SystemExit, match="no file"):
        collect(scratch, tmp_path / "absent.zip")
    with pytest.raises(SystemExit, match="no assignment named 'nope'"):
        collect(scratch, make_zip(tmp_path / "ok.zip", []), assignment="nope")
    done = run(scratch, "export")
    assert done.returncode != 0 and "the gradebook has no students yet" in done.stderr
    (scratch / "gradebook.db").unlink()
    done = run(scratch, "export")
    assert done.returncode != 0 and "no gradebook" in done.stderr


def test_collect_grade_export_round_trip(tmp_path):
    from nbgrader.api import Gradebook

    scratch = empty_course(tmp_path / "course")
    download = make_zip(tmp_path / "submissions.zip", [
        ("adamsada_101_5001_loss.ipynb", notebook_of("ada"), (2024, 3, 1, 10, 0, 0)),
        ("brownben_102_5002_loss.ipynb", notebook_of("ben"), (2024, 3, 1, 11, 0, 0)),
        # cleo first handed in the blank release, then ben's version, late: the newer one counts
        ("cruzcleo_103_5003_loss.ipynb", notebook_of("cleo"), (2024, 3, 1, 12, 0, 0)),
        ("cruzcleo_LATE_103_5107_loss-1.ipynb", notebook_of("ben"), (2024, 3, 3, 9, 30, 0)),
        # an odd name: Canvas's name for a second upload of "Loss.ipynb"
        ("diazdev_104_5004_Loss (2).ipynb", notebook_of("ada"), (2024, 3, 1, 13, 0, 0)),
        ("brownben_102_5010_notes.txt", b"my notes", (2024, 3, 1, 11, 0, 0)),   # stray file
        ("__MACOSX/._adamsada_101_5001_loss.ipynb", b"\0", (2024, 3, 1, 10, 0, 0)),
        ("grading-instructions.pdf", b"%PDF", (2024, 3, 1, 10, 0, 0)),   # from nobody
    ])
    done = run(scratch, "collect", str(download))
    assert done.returncode == 0, done.stderr
    assert "placed 4 notebook(s) of 4 student(s)" in done.stdout
    assert "cruzcleo_103_5003_loss.ipynb: an older submission than cruzcleo_LATE_103_5107_loss-1.ipynb" in done.stdout
    assert "brownben_102_5010_notes.txt: not a notebook" in done.stdout
    assert "grading-instructions.pdf: its name fits no LMS pattern" in done.stdout
    assert "renamed from 'Loss (2).ipynb'" in done.stdout
    submitted = scratch / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == ["adamsada", "brownben", "cruzcleo", "diazdev"]
    assert (submitted / "cruzcleo" / "01_loss" / "loss.ipynb").read_bytes() == notebook_of("ben")
    assert (submitted / "cruzcleo" / "01_loss" / "timestamp.txt").read_text().startswith("2024-03-03 09:30:00")
    assert not (submitted / "brownben" / "01_loss" / "notes.txt").exists()

    done = run(scratch, "grade", "--workers", "2", "--timeout", "20")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = (scratch / "report" / "index.html").read_text()
    assert "cruzcleo</td><td>01_loss</td><td>Canvas marked it late" in report

    # a written answer graded by hand, as formgrader stores it
    with Gradebook(f"sqlite:///{scratch / 'gradebook.db'}") as book:
        grade = book.find_grade("epsilon_answer", "loss", "01_loss", "adamsada")
        grade.manual_score = 1.5
        book.db.commit()
        expected = {s: book.find_submission("01_loss", s).score for s in ["adamsada", "brownben", "cruzcleo", "diazdev"]}
        top = book.find_assignment("01_loss").max_score
    with open(scratch / "grades.csv", newline="") as f:
        autograded = {row["student"]: float(row["score"]) for row in csv.DictReader(f)}
    assert expected["adamsada"] == autograded["adamsada"] + 1.5   # the hand-graded points count
    assert expected["cruzcleo"] == expected["brownben"] < expected["diazdev"] == autograded["adamsada"]

    done = run(scratch, "export", "--format", "canvas", "--canvas-id", "01_loss=4711")
    assert done.returncode == 0, done.stderr
    with open(scratch / "export" / "canvas.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "01_loss (4711)"]
    assert rows[1][0].strip() == "Points Possible" and float(rows[1][5]) == top
    by_id = {row[1]: row for row in rows[2:]}
    assert sorted(by_id) == ["101", "102", "103", "104"]
    ids = {"adamsada": "101", "brownben": "102", "cruzcleo": "103", "diazdev": "104"}
    for student, score in expected.items():
        assert float(by_id[ids[student]][5]) == pytest.approx(score), student
        assert by_id[ids[student]][0] == student   # no names in Canvas's file names: the login stands in

    done = run(scratch, "export", "--format", "csv", "--output", str(tmp_path / "plain.csv"))
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "plain.csv", newline="") as f:
        plain = list(csv.DictReader(f))
    assert list(plain[0]) == ["student", "assignment", "score", "max_score", "flagged"]
    assert {row["student"]: float(row["score"]) for row in plain} == pytest.approx(expected)
