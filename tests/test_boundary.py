"""The process line holds on its own (issue 12): attacks on `backprop-lab grade` that the scan and
the integrity guard are not asked to catch (`--boundary-only` switches both off) earn nothing,
reach nothing and leave nothing behind. The same class is graded twice, as root and as an
unprivileged user.

Every attack sits on top of a wrong MSELoss.backward (the 2 of the power rule forgotten), which
alone loses some test cells: an attack succeeds if it wins any of them back. The others run on
top of correct code and try to reach beyond their notebook: the hidden tests (in memory, on disk),
other processes, the network, /dev/shm, more memory than one notebook may have.
"""
import csv
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from classes import assignment_named, scratch_class, student_notebook
from conftest import ROOT
from variants import variants

LOSS = assignment_named("01_loss")
MARK = uuid.uuid4().hex[:12]          # names what this run's attacks leave behind, to look for it after
HIDDEN_SAMPLES = ["default_rng(1101)", "default_rng(1205)", "expected_grad = (-target / p"]  # hidden-test text
UNPRIVILEGED = 65534


def notebook(name, prefix="", in_backward=""):
    """The `name` variant of 01_loss with `prefix` run before its MSE cell and `in_backward` at the
    start of MSELoss.backward (so it runs again inside every test that calls it)."""
    built = student_notebook(LOSS, next(v for v in variants("01_loss") if v.name == name))
    cell = next(c for c in built.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "mse_loss")
    source = cell.source
    if in_backward:
        head, tail = source.split("def backward(self):", 1)
        first_line, rest = tail.split("\n", 1)
        body = "\n".join("        " + line for line in in_backward.strip().splitlines())
        source = f"{head}def backward(self):{first_line}\n{body}\n{rest}"
    cell.source = prefix + "\n" + source
    return built


def wrong(in_backward="", prefix=""):
    return notebook(WRONG_VARIANT, prefix, in_backward)


def correct(prefix="", in_backward=""):
    return notebook("correct_vectorised", prefix, in_backward)


WRONG_VARIANT = "mistake_mse_backward_missing_factor_2"

# Output an nbgrader rule reads as a pass or as points, put where the error should be.
FAKE_RESULTS = """
import sys
sys.displayhook(18)
get_ipython().display_pub.publish({"text/plain": "18"})
get_ipython().displayhook.write_format_data({"text/plain": "18"})
"""
# Hooks and handlers that, in one process, would clear a test's error after it was raised.
ERROR_ERASERS = """
shell = get_ipython()
shell.set_custom_exc((BaseException,), lambda *args, **kwargs: None)
shell.events.register("post_run_cell", lambda result: setattr(result, "error_in_exec", None))
shell.showtraceback = lambda *args, **kwargs: None
shell._showtraceback = lambda *args, **kwargs: None
"""
# The library functions the tests compare with, patched while a test cell runs.
PATCHES = """
import numpy, torch, backprop_lab.checks, backprop_lab.gradcheck
numpy.allclose = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
backprop_lab.checks.assert_close = lambda *a, **k: None
backprop_lab.checks._fail = lambda message: None
backprop_lab.gradcheck.rel_error = lambda *a, **k: 0.0
torch.nn.functional.mse_loss = lambda a, b: (a - b).pow(2).mean() * 0
"""
# Exceptions IPython shows without recording them as the cell's error, or that end a cell early.
ODD_EXCEPTIONS = {"system_exit": 'raise SystemExit("done")', "keyboard_interrupt": "raise KeyboardInterrupt",
                  "exception_with_lying_str": 'raise type("Passed", (Exception,), {"__str__": lambda s: "ok"})()'}
# Frames up from student code, to whatever channel answers the test process.
FRAME_WALK = """
import sys, json, struct
frame, found = sys._getframe(), []
while frame is not None:
    for value in list(frame.f_locals.values()):
        for name in ("sock", "writer", "channel"):
            if hasattr(value, name):
                found.append(getattr(value, name))
    frame = frame.f_back
for target in found:
    try:
        forged = json.dumps({"seq": 10 ** 6, "value": 18, "outputs": [], "count": 1, "flags": []}).encode()
        if hasattr(target, "sendall"):
            target.sendall(struct.pack("!QII", len(forged), len(forged), 0) + forged)  # wire.FRAME
    except Exception:
        pass
"""
# A flood of output, then the wrong answer: the test's own error must still count.
FLOOD = """
print("ok " * 2_000_000)
import sys
sys.stderr = sys.stdout
"""
# Searching the student process's objects, folder and /proc for the hidden tests. (The samples
# are written in hex, so that this code does not hold them itself.)
HUNT = "def hunt():\n" + "\n".join("    " + line for line in f"""
import gc, os
samples = [bytes.fromhex(h).decode() for h in {[s.encode().hex() for s in HIDDEN_SAMPLES]!r}]
found = set()
for obj in gc.get_objects():
    if isinstance(obj, dict):
        texts = [v for v in obj.values() if isinstance(v, str)]
    elif isinstance(obj, (list, tuple)) and obj is not samples:
        texts = [v for v in obj if isinstance(v, str)]
    else:
        continue
    found.update(s for s in samples for text in texts if s in text and text is not s)
for folder, _, files in os.walk("."):
    for name in files:
        try:
            data = open(os.path.join(folder, name), "rb").read()
        except OSError:
            continue
        found.update(s for s in samples if s.encode() in data)
for pid in os.listdir("/proc"):
    if pid.isdigit():
        for part in ("cmdline", "environ"):
            try:
                data = open(f"/proc/{{pid}}/{{part}}", "rb").read()
            except OSError:
                continue
            found.update(s for s in samples if s.encode() in data)
print("hunt found:", sorted(found))
""".strip().splitlines()) + "\nhunt()\n"  # (local names: the samples are freed after each hunt)
# Everything this notebook's processes can signal, stopped or killed.
KILL_ALL = """
import os, signal
for pid in range(2, 1 << 16):
    if pid != os.getpid():
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            try:
                os.kill(pid, sig)
            except OSError:
                pass
"""
LEFTOVERS = f"""
import subprocess, os
subprocess.Popen(["sleep", "86{MARK[:3]}"], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "87{MARK[:3]}"])
    os._exit(0)
with open("/dev/shm/leak-{MARK}", "w") as f:
    f.write("left behind")
with open("/tmp/leak-{MARK}", "w") as f:
    f.write("left behind")
"""
NETWORK = """
import socket
for host in ("127.0.0.1", "1.1.1.1"):
    try:
        socket.create_connection((host, PORT), timeout=2).sendall(b"reached")
        print("network reached", host)
    except OSError as error:
        print("no network:", host, error)
"""
MEMORY = """
import os, time
ready_r, ready_w = os.pipe()
for _ in range(5):
    if os.fork() == 0:
        try:
            block = bytearray(700 * 2**20)
            for i in range(0, len(block), 4096):
                block[i] = 1
            os.write(ready_w, b"x")
            time.sleep(60)
        finally:
            os._exit(0)
held = 0
while held < 5:  # every child holds its 700 MiB (however loaded the machine)
    held += len(os.read(ready_r, 5))
time.sleep(10)  # the grader measures every half second: it stops the notebook long before this ends
"""

ATTACKS = {  # on top of the wrong code: must win nothing back
    "fake_results": dict(in_backward=FAKE_RESULTS),
    "error_erasers": dict(prefix=ERROR_ERASERS, in_backward=ERROR_ERASERS),
    "patches_during_tests": dict(in_backward=PATCHES),
    **{name: dict(in_backward=code) for name, code in ODD_EXCEPTIONS.items()},
    "frame_walk": dict(in_backward=FRAME_WALK),
    "output_flood": dict(in_backward=FLOOD),
}
FORK_UNTIL_REFUSED = """
import os, time
for _ in range(200):
    try:
        if os.fork() == 0:
            time.sleep(30)  # alive until the notebook ends, however slowly the machine forks
            os._exit(0)
    except BlockingIOError:
        break
"""
OWN_BLOCKING_ERROR = """
import socket
left, right = socket.socketpair()
left.setblocking(False)
try:
    left.recv(1)
except BlockingIOError:
    pass
raise BlockingIOError("a would-block of the student's own, not a process limit")
"""
REACHES = {  # on top of correct code: must reach nothing beyond the notebook
    "hunt": dict(prefix=HUNT, in_backward=HUNT),
    "kill_all": dict(prefix=KILL_ALL),
    "leftovers": dict(prefix=LEFTOVERS),
    "memory": dict(prefix=MEMORY),
    "fork_until_refused": dict(prefix=FORK_UNTIL_REFUSED),
    "own_blocking_error": dict(prefix=OWN_BLOCKING_ERROR),
}


def _class(folder, port):
    submissions = {("control", "01_loss"): correct(), ("wrong", "01_loss"): wrong(),
                   ("network", "01_loss"): correct(prefix=NETWORK.replace("PORT", str(port)))}
    submissions.update({(name, "01_loss"): wrong(**parts) for name, parts in ATTACKS.items()})
    submissions.update({(name, "01_loss"): correct(**parts) for name, parts in REACHES.items()})
    return scratch_class(folder, submissions)


def _grade(scratch, user):
    """`backprop-lab grade --boundary-only` on the class, as `user` (None: as this process)."""
    env = dict(os.environ, HOME=str(scratch), MPLCONFIGDIR=str(scratch / ".mpl"))
    command = [sys.executable, "-m", "backprop_lab.cli", "--course", str(scratch), "grade", "--workers", "2",
               "--timeout", "20", "--boundary-only"]
    if user is not None:
        subprocess.run(["chown", "-R", f"{user}:{user}", str(scratch)], check=True)
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    done = subprocess.run(command, capture_output=True, text=True, cwd=scratch, env=env, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    scores = {}
    with open(scratch / "cell_results.csv") as rows:
        for row in csv.DictReader(rows):
            scores.setdefault(row["student"], {})[row["cell"]] = (float(row["score"]), float(row["max_score"]))
    return done, scores


def _as_user(user):
    if user is None:
        return None
    if os.geteuid() != 0:
        pytest.skip("grading as another user needs root")
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is not installed")
    reach = subprocess.run(["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", sys.executable,
                            "-c", "import backprop_lab"], capture_output=True, cwd="/")
    if reach.returncode != 0:  # a checkout under a private folder (mktemp -d) is closed to other users
        pytest.skip(f"uid {user} cannot read this checkout's package")
    return user


@pytest.fixture(scope="module", params=[None, UNPRIVILEGED], ids=["as_root_or_self", "unprivileged"])
def graded(request):
    user = _as_user(request.param)
    folder = Path(tempfile.mkdtemp(prefix="backprop-boundary-", dir="/var/tmp"))
    os.chmod(folder, 0o755)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    scratch = _class(folder / "course", listener.getsockname()[1])
    started = time.time()
    done, scores = _grade(scratch, user)
    reached = []
    try:
        reached.append(listener.accept())
    except BlockingIOError:
        pass
    listener.close()
    yield {"scratch": scratch, "scores": scores, "report": done.stdout, "seconds": time.time() - started,
           "reached": reached}
    shutil.rmtree(folder, ignore_errors=True)


def _lost(scores, student):
    """The test cells (not the written answers) where `student` lost points."""
    return {cell for cell, (score, top) in scores[student].items() if score < top and cell.startswith("test_")}


def test_the_control_student_gets_full_marks(graded):
    assert not _lost(graded["scores"], "control")


def test_the_wrong_code_alone_loses_points(graded):
    assert _lost(graded["scores"], "wrong"), "the wrong variant must lose points for the attacks to mean anything"


@pytest.mark.parametrize("name", list(ATTACKS))
def test_an_attack_wins_nothing_back(graded, name):
    scores = graded["scores"]
    won_back = {cell for cell in _lost(scores, "wrong") if scores[name][cell][0] > 0}
    assert not won_back, f"{name} earned points on {sorted(won_back)} with wrong code"


def test_the_hidden_tests_are_nowhere_the_student_can_look(graded):
    autograded = graded["scratch"] / "autograded" / "hunt" / "01_loss" / "loss.ipynb"
    printed = [output.get("text", "") for cell in nbformat.read(autograded, as_version=4).cells
               if cell.cell_type == "code" for output in cell.outputs]
    hunts = [line for text in printed for line in text.splitlines() if line.startswith("hunt found:")]
    assert hunts, "the hunt ran (in the student cell and inside the tests)"
    assert all(line == "hunt found: []" for line in hunts), hunts
    assert not _lost(graded["scores"], "hunt")


def test_a_notebook_cannot_harm_another_or_the_grader(graded):
    """kill_all tried to stop and kill every process it could name; the control and every other
    notebook ran to the end (the batch completed, control has full marks)."""
    assert not _lost(graded["scores"], "control")
    assert not _lost(graded["scores"], "kill_all")


def test_nothing_a_notebook_starts_outlives_it(graded):
    time.sleep(1)
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert f"sleep 86{MARK[:3]}" not in ps and f"sleep 87{MARK[:3]}" not in ps
    assert not Path(f"/dev/shm/leak-{MARK}").exists()
    assert not Path(f"/tmp/leak-{MARK}").exists()


def test_there_is_no_network(graded):
    assert not graded["reached"], "student code connected to a listener on the grader's loopback"
    autograded = graded["scratch"] / "autograded" / "network" / "01_loss" / "loss.ipynb"
    printed = json.dumps([cell.outputs for cell in nbformat.read(autograded, as_version=4).cells
                          if cell.cell_type == "code"])
    assert "network reached" not in printed and "no network" in printed


def test_the_process_limit_is_named_when_reached_and_only_then(graded):
    said = graded["report"]
    assert "fork_until_refused/01_loss: started more processes than the grader allows" in said, said[-3000:]
    assert "own_blocking_error/01_loss: started more processes" not in said


def test_memory_counts_for_all_of_a_notebooks_processes(graded):
    """Five processes of 700 MiB each, under a limit of 3 GiB for the notebook's processes together."""
    said = [line for line in graded["report"].splitlines() if line.startswith("  memory/01_loss")]
    assert any("memory" in line.split(":", 1)[1] for line in said), said
