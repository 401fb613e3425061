"""execute._memory_of: what the grader counts against a notebook's memory limit. Only memory a
process wrote or allocated itself counts, never pages it still shares with the process it was
forked from; a cheap upper bound answers while a notebook is far below its limit."""
import ctypes
import os
import pwd
import signal

import pytest

from backprop_lab.grading import execute, forked

MB = 2**20


def _child(after_fork):
    """A forked child that runs `after_fork`, says so, and waits to be killed; its pid."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(reader)
            kept = after_fork()  # noqa: F841 - held until the parent has measured
            os.write(writer, b"ready")
            signal.pause()
        finally:
            os._exit(0)
    os.close(writer)
    assert os.read(reader, 5) == b"ready"
    os.close(reader)
    return pid


@pytest.fixture
def children():
    started = []
    yield lambda after_fork: started.append(_child(after_fork)) or started[-1]
    for pid in started:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def test_memory_a_process_wrote_counts_whichever_way_it_is_measured(children):
    pid = children(lambda: bytearray(b"x" * (200 * MB)))
    exact = execute._memory_of([pid], limit=50 * MB)       # over the limit's bound: counted page by page
    bound = execute._memory_of([pid], limit=100_000 * MB)   # far below it: the upper bound answers
    assert 200 * MB <= exact <= bound


def test_pages_shared_with_the_parent_never_count_against_a_notebook(children):
    shared = bytearray(b"y" * (300 * MB))  # written here, before the fork: the child only shares it
    pid = children(lambda: None)
    assert execute._memory_of([pid], limit=100 * MB) < 100 * MB < 300 * MB < execute._memory_of([pid], limit=100_000 * MB)
    del shared


def test_the_upper_bound_covers_every_process_of_the_notebook(children):
    pids = [children(lambda: bytearray(b"z" * (100 * MB))) for _ in range(3)]
    assert execute._memory_of(pids, limit=250 * MB) >= 300 * MB   # exact, and over
    assert execute._memory_of(pids, limit=100_000 * MB) >= 300 * MB


def test_a_process_that_hides_its_pages_counts_with_all_it_holds(children):
    """As a grader that is not root: a student process that is not dumpable cannot be read page
    by page; it is counted with everything resident, shared pages included."""
    if os.geteuid() != 0:
        pytest.skip("needs root to run both processes as another user")
    nobody = pwd.getpwnam("nobody")

    def as_nobody(action):
        os.setgid(nobody.pw_gid)
        os.setuid(nobody.pw_uid)
        return action()

    def hide_and_hold():
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0
        return bytearray(b"h" * (150 * MB))

    hidden = children(lambda: as_nobody(hide_and_hold))
    measured = forked.start(lambda: as_nobody(lambda: execute._memory_of([hidden], limit=10 * MB)))
    assert measured() >= 150 * MB
