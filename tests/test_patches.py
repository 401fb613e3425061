"""grading/patches.py: within one_engine(), nbgrader's Gradebooks share one database engine
and what a run only reads is read once; outside it, nbgrader's Gradebook is untouched."""
import shutil

from nbgrader.api import Gradebook

from backprop_lab.grading import patches
from classes import generated_course


def existing(path):
    """A database URL of a copy of a course's gradebook (a new one needs alembic on the PATH)."""
    shutil.copy(generated_course() / "gradebook.db", path)
    return f"sqlite:///{path}"


def test_gradebooks_share_one_engine_and_see_each_others_writes(tmp_path):
    url = existing(tmp_path / "gradebook.db")
    with patches.one_engine():
        with Gradebook(url) as first:
            first.add_student("ada")
            engine = first.engine
        with Gradebook(url) as second:
            assert second.engine is engine
            assert [s.id for s in second.students] == ["ada"]
        with Gradebook(existing(tmp_path / "other.db")) as other:
            assert other.engine is not engine and other.students == []
    with Gradebook(url) as after:
        assert after.engine is not engine  # nbgrader's own again
        assert [s.id for s in after.students] == ["ada"]


def test_remembered_reads_once_per_run(tmp_path):
    reads = []

    def read():
        reads.append(1)
        return len(reads)

    assert patches.remembered("key", read) == 1 and patches.remembered("key", read) == 2  # no run
    with patches.one_engine():
        Gradebook(existing(tmp_path / "gradebook.db")).close()  # a run has begun: an engine is open
        assert [patches.remembered("key", read) for _ in range(3)] == [3, 3, 3]
    assert patches.remembered("key", read) == 4
