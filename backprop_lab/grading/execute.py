"""Run notebooks in isolated children forked from one warm parent.

The parent imports the course's libraries once. For every notebook it forks a child, which
confines itself (sandbox.py) and then acts as a kernel (kernel.py). The parent sends the child one
cell at a time, so student code never sees the cells that come after it, and it enforces the
per-cell timeout and the output cap. Several children run at once, one per worker.
"""
import collections
import gc
import json
import os
import secrets
import selectors
import signal
import struct
import time
import warnings
from dataclasses import dataclass, field

from . import scan

HEADER = struct.Struct("!Q")
STUDENT, LOCKED, TEST = "student", "locked", "test"


@dataclass
class Limits:
    cell_timeout: float = 60.0            # seconds of one cell
    memory_bytes: int = 6 * 2**30         # address space of the child (torch alone maps ~2 GiB)
    file_bytes: int = 64 * 2**20          # largest file the child may write
    output_bytes: int = 2**20             # text kept per cell


@dataclass
class Job:
    """One notebook to run: its code cells in order as (kind, source)."""
    key: str
    cells: list
    workdir: str
    digest: str = ""                              # what was run, to skip it on a re-run
    escape: list = None                           # first_escape(cells), found while preparing
    outputs: list = field(default_factory=list)   # per cell: list of nbformat outputs
    counts: list = field(default_factory=list)    # per cell: execution count
    flags: list = field(default_factory=list)     # [cell number, why it deserves a human look]
    seconds: float = 0.0


def warm_up(figures=False):
    """Import everything notebooks use, once, in the parent; leave it fork-safe (one thread).

    With figures=False plots are drawn but never rendered to PNG (rendering is most of the run
    time of a plotting cell, and no grade depends on it); figures=True keeps them for feedback.
    """
    import matplotlib
    matplotlib.use("module://matplotlib_inline.backend_inline" if figures else "agg")
    warnings.filterwarnings("ignore", message=".*non-interactive, and thus cannot be shown")
    import matplotlib.pyplot  # noqa: F401
    import numpy.random  # noqa: F401 - numpy loads it on first use
    import torch
    # Loaded on first use otherwise, in every child again: contour plots (decision boundaries)
    # and torch's symbolic shapes (with sympy), about 0.4 s per notebook.
    import contourpy  # noqa: F401
    import torch.fx.experimental.symbolic_shapes  # noqa: F401
    torch.set_num_threads(1)  # a child forked after multi-threaded torch work can hang
    torch.nn.functional.mse_loss(torch.zeros(1), torch.zeros(1))  # first-call initialisation
    import ipywidgets  # noqa: F401
    import backprop_lab.checks  # noqa: F401
    import backprop_lab.plots  # noqa: F401
    import backprop_lab.widgets  # noqa: F401
    if not figures:  # layout (text extents, measured by rendering the labels) only matters on a picture
        matplotlib.figure.Figure.tight_layout = lambda self, *args, **kwargs: None
    from .kernel import Kernel
    return Kernel(figures)


def ready(kernel, jobs):
    """Last steps in the parent before forking children for `jobs`: share the work every notebook
    would repeat, then take the snapshot the children's integrity checks compare with."""
    from .guard import Snapshot
    counts = collections.Counter(source for job in jobs for kind, source in job.cells if kind != STUDENT)
    kernel.share_transforms(source for source, count in counts.items() if count > 1)
    snapshot = Snapshot(kernel)
    gc.freeze()  # the children's collections then skip the parent's objects (and their pages stay shared)
    gc.set_threshold(10_000)  # children live for seconds: collect less often (about 4% of their time)
    return snapshot


def run_all(jobs, workers, limits, confinement, kernel, snapshot, progress=None):
    """Run every job, at most `workers` at a time. `confinement` is a dict for sandbox.confine
    (without workdir) or None to run unconfined. Fills each job's outputs, counts and flags."""
    waiting, running = list(jobs), {}
    ending = []  # children stopped, reaped later: tearing down a ~360 MB process takes ~10 ms, unwatched
    selector = selectors.DefaultSelector()
    while waiting or running:
        while waiting and len(running) < workers:
            child = _Child(waiting.pop(0), limits, confinement, kernel, snapshot)
            running[child.reader] = child
            selector.register(child.reader, selectors.EVENT_READ, child)
        timeout = max(0.0, min(child.deadline for child in running.values()) - time.monotonic())
        for key, _ in selector.select(timeout):
            key.data.on_readable()
        for child in list(running.values()):
            if time.monotonic() > child.deadline and not child.done:
                child.kill("timed out and did not respond; the process was stopped")
            if child.done:
                selector.unregister(child.reader)
                del running[child.reader]
                child.close()
                ending.append(child.pid)
                if progress:
                    progress(child.job)
        ending = [pid for pid in ending if _reap(pid, block=False) is None]
    for pid in ending:
        _reap(pid)
    selector.close()


class _Child:
    GRACE = 5.0  # seconds past the cell timeout before the process is killed

    def __init__(self, job, limits, confinement, kernel, snapshot):
        self.job, self.limits, self.done, self.next_cell = job, limits, False, 0
        self.started = time.monotonic()
        if job.escape:
            job.flags.append([job.escape[0] + 1, job.escape[1]])
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child never returns from here
            os.close(to_child_w)
            os.close(from_child_r)
            _child_main(to_child_r, from_child_w, job.workdir, limits, confinement, kernel, snapshot)
        os.close(to_child_r)
        os.close(from_child_w)
        self.writer, self.reader, self.buffer = to_child_w, from_child_r, b""
        self.send_next()

    def send_next(self):
        if self.next_cell == len(self.job.cells):
            self.finish()
            return
        kind, source = self.job.cells[self.next_cell]
        self.deadline = time.monotonic() + self.limits.cell_timeout + self.GRACE
        self.nonce = secrets.token_hex(16)  # a reply must name the request: no replies written ahead
        try:
            _send(self.writer, {"kind": kind, "source": source, "nonce": self.nonce})
        except BrokenPipeError:  # it ended after its last reply
            self.died()

    def on_readable(self):
        chunk = os.read(self.reader, 1 << 20)
        if not chunk:
            self.died()
            return
        self.buffer += chunk
        if len(self.buffer) > 4 * self.limits.output_bytes + 2**16:
            self.kill("produced more output than the grader accepts")
            return
        while len(self.buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(self.buffer)
            if len(self.buffer) < HEADER.size + size:
                return
            message = self.buffer[HEADER.size:HEADER.size + size]
            self.buffer = self.buffer[HEADER.size + size:]
            self.receive(message)
            if self.done:
                return

    def receive(self, message):
        try:
            reply = json.loads(message)
            outputs, count, flags = _valid_outputs(reply["outputs"]), reply["count"], reply["flags"]
            if not (count is None or type(count) is int) or not isinstance(flags, list):
                raise TypeError("reply")
            flags = [str(flag) for flag in flags]
        except (ValueError, KeyError, TypeError):
            self.kill("sent the grader a malformed reply")
            return
        if reply.get("nonce") != self.nonce:
            self.kill("sent the grader a reply to a request it was never given")
            return
        escape = self.job.escape
        if escape and self.next_cell > escape[0] and self.job.cells[self.next_cell][0] == TEST:
            outputs.append(error_output("GraderIntegrityError", f"not graded: {escape[1]}"))
        self.job.outputs.append(outputs)
        self.job.counts.append(count)
        self.job.flags += [[self.next_cell + 1, flag] for flag in flags]
        self.next_cell += 1
        self.send_next()

    def finish(self):
        self.done = True
        self.job.seconds = time.monotonic() - self.started

    def died(self):
        status = _reap(self.pid)
        self.fail_remaining(f"the notebook's process ended unexpectedly ({status}) while running this cell")

    def kill(self, reason):
        _kill(self.pid)
        self.fail_remaining(f"this cell {reason}")

    def fail_remaining(self, reason):
        first = self.next_cell
        self.job.flags.append([first + 1, reason])
        for index in range(first, len(self.job.cells)):
            message = reason if index == first else "not run: an earlier cell stopped the notebook's process"
            self.job.outputs.append([error_output("GraderError", message)])
            self.job.counts.append(None)
        self.next_cell = len(self.job.cells)
        self.finish()

    def close(self):
        for fd in (self.writer, self.reader):
            try:
                os.close(fd)
            except OSError:
                pass
        _kill(self.pid)


def first_escape(cells):
    """[index, reason] of the first student cell that reaches for the grader's machinery, or None."""
    libraries = scan.library_names(source for _, source in cells)
    for index, (kind, source) in enumerate(cells):
        found = scan.escapes(source, libraries) if kind == STUDENT else []
        if found:
            line, what, code = found[0]
            return [index, f"line {line} uses {code} ({what}), which the grader cannot vouch for: "
                           "the test cells after it earn nothing"]
    return None


def _child_main(reader, writer, workdir, limits, confinement, kernel, snapshot):
    status = 1
    try:
        os.setsid()
        _close_inherited(keep={reader, writer})
        quiet = os.open(os.devnull, os.O_RDWR)  # what C code or a crash prints stays off the grader's terminal
        for fd in (0, 1, 2):
            os.dup2(quiet, fd)
        os.close(quiet)
        if confinement is not None:
            from .sandbox import confine
            confine(workdir, memory_bytes=limits.memory_bytes, file_bytes=limits.file_bytes, **confinement)
        else:
            os.chdir(workdir)
        os.environ["NBGRADER_EXECUTION"] = "autograde"  # as nbgrader tells its kernels (notebooks may ask)
        _serve(reader, writer, limits, kernel, snapshot)
        status = 0
    except BaseException as error:  # noqa: B036 - reported through the exit status
        status = 3 if isinstance(error, OSError) else 1
    finally:
        os._exit(status)


def _close_inherited(keep):
    """Close every descriptor the fork copied from the parent but `keep`: among them are the
    pipes of the other notebooks running at the same time, and whatever files the parent has open."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass  # the descriptor listdir itself used


def _serve(reader, writer, limits, kernel, snapshot):
    kernel.attach()
    signal.signal(signal.SIGALRM, _on_alarm)
    snapshot.attached()
    # Held by this running frame, which student code cannot rebind: the check and its code.
    check, check_code = type(snapshot).changes, type(snapshot).changes.__code__

    def changes():
        if check.__code__ is not check_code or type(snapshot).changes is not check:
            return ["the grader's integrity check was modified"]
        return check(snapshot, kernel.namespace)

    incoming = os.fdopen(reader, "rb", buffering=0)
    checked = False  # True right after a test cell found nothing changed: no code has run since
    while True:
        request = _receive(incoming)
        if request is None:
            return
        kind, flags, changed = request["kind"], [], []
        if kind == TEST and not checked:
            changed = changes()
        if changed:
            outputs, count = [error_output("GraderIntegrityError", "not graded: " + "; ".join(changed))], None
        else:
            signal.setitimer(signal.ITIMER_REAL, limits.cell_timeout)
            try:
                outputs, count, truncated = kernel.run(request["source"], limits.output_bytes)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            if truncated:
                outputs.append({"output_type": "stream", "name": "stdout",
                                "text": "\n[output truncated by the grader]\n"})
                flags.append("printed more output than the grader keeps (truncated)")
            errors = {output.get("ename") for output in outputs}
            if "CellTimeoutError" in errors:
                flags.append(f"timed out after {limits.cell_timeout:g} s")
            if any(str(name).endswith("MemoryError") for name in errors):
                flags.append("ran out of memory")
            if "BlockingIOError" in errors:
                flags.append("started more processes than the grader allows")
            if kind == LOCKED:
                snapshot.remember_bindings(kernel.namespace)
            if kind == TEST:
                changed = changes()
                if changed:
                    outputs.append(error_output("GraderIntegrityError", "not graded: " + "; ".join(changed)))
        checked = kind == TEST and not changed
        _send(writer, {"outputs": outputs, "count": count, "flags": flags + changed, "nonce": request["nonce"]})


class CellTimeoutError(Exception):
    pass


def _on_alarm(signum, frame):
    raise CellTimeoutError("the cell ran longer than the grader's time limit")


def _send(fd, message):
    data = json.dumps(message, default=str).encode()
    data = HEADER.pack(len(data)) + data
    while data:
        data = data[os.write(fd, data):]


def _receive(stream):
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    body = b""
    while len(body) < size:
        chunk = stream.read(size - len(body))
        if not chunk:
            return None
        body += chunk
    return json.loads(body)


OUTPUT_KEYS = {"stream": {"output_type", "name", "text"},
               "display_data": {"output_type", "data", "metadata"},
               "execute_result": {"output_type", "data", "metadata", "execution_count"},
               "error": {"output_type", "ename", "evalue", "traceback"}}


def _valid_outputs(outputs):
    """Outputs exactly as nbformat defines them; anything else is a forged or broken reply."""
    if not isinstance(outputs, list):
        raise ValueError("outputs")
    for output in outputs:
        if not isinstance(output, dict) or set(output) != OUTPUT_KEYS.get(output.get("output_type"), set()):
            raise ValueError("output")
    return outputs


def error_output(name, message):
    """An nbformat error output, as a kernel would send it; nbgrader scores its cell zero."""
    return {"output_type": "error", "ename": name, "evalue": message, "traceback": [f"{name}: {message}"]}


def _kill(pid):
    """SIGKILL the child and whatever it started (its process group); run_all reaps it."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _reap(pid, block=True):
    """How the child ended, as text; None if `block` is False and it has not ended yet."""
    try:
        reaped, status = os.waitpid(pid, 0 if block else os.WNOHANG)
    except ChildProcessError:
        return "already reaped"
    if reaped == 0:
        return None
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.WEXITSTATUS(status)}"
