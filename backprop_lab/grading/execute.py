"""Run notebooks, each as two processes: the student process and the test process.

The grader imports the course's libraries once (warm_up). For every notebook it gets a student
process from the zygote (zygote.py: student and locked cells, confined by sandbox.py) and forks a
test process itself (test cells and the locked cells they need, needs.py; student names are
proxies, remote.py). It feeds them one cell at a time, each cell to the process that runs it (those
locked cells to both), records the outputs nbgrader will score — the test process's, for the cells
it runs — and enforces the limits: per-cell and per-notebook time, output per cell and per
notebook, the memory of all the student process's processes. It never waits on a notebook:
pipes are read and written only when ready. Several notebooks run at once, one per worker.
"""
import collections
import contextlib
import gc
import importlib
import itertools
import json
import math
import os
import resource
import secrets
import selectors
import signal
import socket
import struct
import time
import warnings
from dataclasses import dataclass, field

from . import hugepages, needs, sandbox, scan
from .kernel import (GRADER_ERROR, INTEGRITY_ERROR, REPORTED_BY_STUDENT_PROCESS, TAMPERING_SEEN, TIMED_OUT,
                     TIMEOUT_ERROR, CellTimeoutError, Kernel)

HEADER = struct.Struct("!Q")
STUDENT, LOCKED, TEST = "student", "locked", "test"


@dataclass
class Limits:
    cell_timeout: float = 60.0            # seconds of one cell
    memory_bytes: int = 6 * 2**30         # address space of one process (torch alone maps ~2 GiB)
    student_memory_bytes: int = 3 * 2**30  # private memory of all of a notebook's student processes
    file_bytes: int = 64 * 2**20          # largest file the student process may write
    output_bytes: int = 2**20             # output kept per cell (text and display data)
    notebook_output_bytes: int = 16 * 2**20  # output kept per notebook, all cells together
    notebook_timeout: float = 0.0         # seconds of the whole notebook; 0: three cell timeouts (30 s at least)

    def notebook_seconds(self) -> float:
        return self.notebook_timeout or max(3 * self.cell_timeout, 30.0)


@dataclass(frozen=True)
class Job:
    """One notebook to run: its code cells in order as (kind, source)."""
    key: str
    cells: list
    workdir: str
    digest: str = ""                              # what was run, to skip it on a re-run
    escape: list | None = None                    # first_escape(cells), found while preparing


@dataclass
class Result:
    """What running a Job gave."""
    outputs: list = field(default_factory=list)   # per cell: list of nbformat outputs
    counts: list = field(default_factory=list)    # per cell: execution count
    flags: list = field(default_factory=list)     # [cell number, why it deserves a human look]
    seconds: float = 0.0


# What the course's notebooks import, loaded once in the grader so that every notebook's processes
# start with it (the grader itself uses none of them). numpy.random and contourpy (contour plots)
# load on first use otherwise.
NOTEBOOK_MODULES = ["numpy", "numpy.random", "torch", "matplotlib.pyplot",
                    "contourpy", "ipywidgets", "backprop_lab.checks", "backprop_lab.gradcheck", "backprop_lab.data",
                    "backprop_lab.plots", "backprop_lab.widgets"]


def warm_up(figures: bool = False) -> Kernel:
    """Import everything notebooks use, once, in the parent; leave it fork-safe (one thread).

    With figures=False plots are drawn but never rendered to PNG (rendering is most of the run
    time of a plotting cell, and no grade depends on it); figures=True keeps them for feedback.
    """
    with collections_paused():
        import matplotlib
        matplotlib.use("module://matplotlib_inline.backend_inline" if figures else "agg")
        warnings.filterwarnings("ignore", message=".*non-interactive, and thus cannot be shown")
        for name in NOTEBOOK_MODULES:
            importlib.import_module(name)
    import torch
    torch.set_num_threads(1)  # a child forked after multi-threaded torch work can hang
    torch.nn.functional.mse_loss(torch.zeros(1), torch.zeros(1))  # first-call initialisation
    from . import remote, student  # noqa: F401 - the two ends of the line, loaded before forking
    if not figures:  # layout (text extents, measured by rendering the labels) only matters on a picture
        matplotlib.figure.Figure.tight_layout = lambda self, *args, **kwargs: None
    kernel = Kernel(figures)
    hugepages.collapse()  # every process forked from here on forks and ends faster
    return kernel


@contextlib.contextmanager
def collections_paused():
    """No garbage collection meanwhile: importing libraries the size of torch or nbgrader sets off
    full collections of an ever larger heap (a fifth to a third of the import's CPU time), which
    free a few thousand cycles."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def ready(kernel: Kernel, zygote, jobs: list) -> None:
    """Last steps before starting notebooks: share the work every notebook would repeat, in this
    process (locked and test cells, for the test processes) and in the zygote (locked cells only,
    for the student processes; it takes its integrity snapshot then)."""
    counts = collections.Counter(source for job in jobs for kind, source in job.cells if kind != STUDENT)
    shared = [source for source, count in counts.items() if count > 1]
    kernel.share_cells(shared)
    zygote.share(source for job in jobs for kind, source in job.cells if kind == LOCKED)
    gc.freeze()  # the children's collections then skip the parent's objects (and their pages stay shared)
    gc.set_threshold(10_000)  # children live for seconds: collect less often (about 4% of their time)


def run_all(jobs: list, workers: int, limits: Limits, kernel, zygote, progress=None) -> dict:
    """Run every job, at most `workers` notebooks at a time: student processes come from
    `zygote` (zygote.py), test processes from this one. Returns {job key: Result}; calls
    `progress(job, result)` as each notebook finishes."""
    results = {}
    waiting, running, serials = list(jobs), [], itertools.count(1)
    spare = None  # the next notebook, its processes started while others run
    ending = []  # processes stopped, reaped later: tearing down a ~360 MB process takes ~10 ms, unwatched
    selector = selectors.DefaultSelector()
    next_watch = 0.0
    while waiting or running or spare:
        while (waiting or spare) and len(running) < workers:
            notebook = spare or _Notebook(waiting.pop(0), next(serials), limits, kernel, zygote)
            spare = None
            notebook.begin()
            running.append(notebook)
            for endpoint in notebook.endpoints:
                selector.register(endpoint.reader, selectors.EVENT_READ, (notebook, endpoint))
        if spare is None and waiting:
            spare = _Notebook(waiting.pop(0), next(serials), limits, kernel, zygote)
        now = time.monotonic()
        timeout = max(0.0, min(min(n.deadline() for n in running), next_watch) - now)
        if any(endpoint.flush() for notebook in running for endpoint in notebook.endpoints):
            timeout = min(timeout, 0.02)  # a process that does not read its requests must not stop the grader
        for key, _ in selector.select(timeout):
            notebook, endpoint = key.data
            if not notebook.done:
                notebook.on_readable(endpoint)
            if not endpoint.alive and endpoint.registered:
                selector.unregister(endpoint.reader)
                endpoint.registered = False
        now = time.monotonic()
        if now >= next_watch:
            for notebook in running:
                notebook.watch_memory()
            next_watch = now + WATCH_SECONDS
        for notebook in list(running):
            notebook.check_time()
            if notebook.done:
                for endpoint in notebook.endpoints:
                    if endpoint.registered:
                        selector.unregister(endpoint.reader)
                running.remove(notebook)
                ending += notebook.close()
                results[notebook.job.key] = notebook.result
                if progress:
                    progress(notebook.job, notebook.result)
        ending = [pid for pid in ending if reap(pid, block=False) is None]
    for pid in ending:
        reap(pid)
    selector.close()
    return results


_ANALYSED = {}        # cell source -> what needs.py found in it, for every notebook of the run
WATCH_SECONDS = 0.5   # how often the memory of every notebook's student processes is measured
GRACE = 5.0           # seconds past a time limit before a process that does not answer is killed


class _Endpoint:
    """One of a notebook's two processes, as the parent sees it: its pipes and the cell it runs."""

    def __init__(self, pid, writer, reader, output_bytes):
        self.pid, self.writer, self.reader = pid, writer, reader
        self.limit = 4 * output_bytes + 2**16
        self.buffer, self.alive, self.registered, self.nonce, self.deadline = b"", True, True, None, math.inf
        self.reaped, self.ending, self.outgoing = False, "how is not known", b""
        self.answered = 0  # cells it ran: their execution count, as its kernel numbers them
        os.set_blocking(writer, False)

    def kill(self):
        """SIGKILL the process and all it started; a reaped pid may already be another's."""
        if self.reaped:
            return
        if self.reaped is None:  # the student process's handle: the namespace's process 1 goes first
            for pid in reversed(_tree(self.pid)):
                kill(pid)
        kill(self.pid)

    def ask(self, kind, source, seconds):
        self.deadline = time.monotonic() + seconds
        self.nonce = secrets.token_hex(16)  # a reply must name the request: no replies written ahead
        self.outgoing += _frame({"kind": kind, "source": source, "nonce": self.nonce})
        self.flush()

    def flush(self):
        """Write what the pipe takes now, never waiting; whether something is left to write."""
        while self.outgoing and self.alive:
            try:
                self.outgoing = self.outgoing[os.write(self.writer, self.outgoing[:1 << 16]):]
            except BlockingIOError:
                return True
            except OSError:
                self.outgoing = b""
        return False

    def messages(self):
        """The complete messages that arrived; None when the process has closed its end."""
        chunk = os.read(self.reader, 1 << 20)
        if not chunk:
            return None
        self.buffer += chunk
        if len(self.buffer) > self.limit:
            raise _Overflow
        found = []
        while len(self.buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(self.buffer)
            if len(self.buffer) < HEADER.size + size:
                break
            found.append(self.buffer[HEADER.size:HEADER.size + size])
            self.buffer = self.buffer[HEADER.size + size:]
        return found


class _Overflow(Exception):
    pass


class _Notebook:
    """A notebook being run: its student process (student and locked cells, answering the test
    process) and its test process (locked and test cells), fed one cell at a time."""

    def __init__(self, job, serial, limits, kernel, zygote):
        self.job, self.limits, self.done, self.next_cell = job, limits, False, 0
        self.result = Result()
        self.output_left = limits.notebook_output_bytes
        self.started = self.wall = math.inf  # until it begins
        if job.escape:
            self.result.flags.append([job.escape[0] + 1, job.escape[1]])
        student_end, test_end = socket.socketpair()
        for end in (student_end, test_end):
            for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
                end.setsockopt(socket.SOL_SOCKET, option, 4 << 20)
        to_student_r, to_student_w = os.pipe()
        from_student_r, from_student_w = os.pipe()
        zygote.start(job.workdir, serial, to_student_r, from_student_w, student_end)
        for fd in (to_student_r, from_student_w):
            os.close(fd)
        try:  # both forks at once: the zygote's on the other core, the test process's here
            self.tests = _start(lambda r, w: _tests_main(r, w, test_end, limits, kernel), test_end, limits)
        finally:
            handle = zygote.started()  # read whatever happened: the zygote's replies stay in step
        self.student = _Endpoint(handle, to_student_w, from_student_r, limits.output_bytes)
        self.student.reaped = None  # the zygote's child, not ours: it reports how it ended
        student_end.close()
        test_end.close()
        self.endpoints = (self.student, self.tests)
        self.replies = {}
        self.for_tests = needs.locked_cells_for_tests(job.cells, kernel.shell.transform_cell, _ANALYSED)

    def begin(self):
        """Send the first cell: the notebook's time starts now."""
        self.started = time.monotonic()
        self.wall = self.started + self.limits.notebook_seconds()
        self.send_next()

    # -------------------------------------------------------------- cells

    def send_next(self):
        cells = self.job.cells
        while self.next_cell < len(cells):
            kind, source = cells[self.next_cell]
            targets = [endpoint for endpoint in (self.student, self.tests) if self.runs_in(endpoint, self.next_cell)]
            live = [endpoint for endpoint in targets if endpoint.alive]
            if kind == STUDENT and not live:
                self.record([error_output(GRADER_ERROR, "not run: the notebook's student process had ended")],
                            None, [])
                continue
            self.replies = {endpoint: None for endpoint in live}
            seconds = self.limits.cell_timeout + GRACE
            for endpoint in live:
                try:
                    endpoint.ask(kind, source, seconds)
                except OSError:  # it ended after its last reply
                    self.ended(endpoint, "the process had ended")
                    if self.done:
                        return
            return
        self.finish()

    def runs_in(self, endpoint, index):
        """Whether cell `index` runs in `endpoint`: test cells in the test process only, student
        cells in the student process only, locked cells in the student process and, where the
        tests may need them, in the test process too."""
        kind = self.job.cells[index][0]
        if endpoint is self.tests:
            return kind == TEST or index in self.for_tests
        return kind != TEST

    def on_readable(self, endpoint):
        try:
            messages = endpoint.messages()
        except _Overflow:
            self.stop(endpoint, "produced more output than the grader accepts")
            return
        if messages is None:
            if endpoint.reaped is False:
                endpoint.ending = reap(endpoint.pid)
            endpoint.reaped = True  # (the student process's handle: by the zygote, which ignores SIGCHLD)
            self.ended(endpoint, f"the process ended unexpectedly ({endpoint.ending})")
            return
        for message in messages:
            if endpoint is self.student and message.startswith(b'{"ended":'):
                endpoint.ending = _ending(message)
                continue
            reply = self.parse(endpoint, message)
            if reply is None or self.done:
                return
            self.replies[endpoint] = reply
            endpoint.deadline = math.inf
            if all(value is not None for value in self.replies.values()):
                self.complete_cell()

    def parse(self, endpoint, message):
        try:
            reply = json.loads(message)
            outputs, count, flags = _valid_outputs(reply["outputs"]), reply["count"], reply["flags"]
            if not (count is None or type(count) is int) or not isinstance(flags, list):
                raise TypeError("reply")
            flags = [str(flag)[:300] for flag in flags[:20]]
            self.output_left -= len(message)
        except (ValueError, KeyError, TypeError, RecursionError):
            self.stop(endpoint, "sent the grader a malformed reply")
            return None
        if endpoint not in self.replies or reply.get("nonce") != endpoint.nonce:
            self.stop(endpoint, "sent the grader a reply to a request it was never given")
            return None
        endpoint.answered += 1
        if endpoint is self.student:  # student code writes its replies: of them, only what the grader can say
            allowed = grader_flags(self.limits)
            count, flags = endpoint.answered, [flag for flag in flags if flag in allowed]
        return outputs, count, flags

    def complete_cell(self):
        kind = self.job.cells[self.next_cell][0]
        source = self.tests if self.runs_in(self.tests, self.next_cell) else self.student
        outputs, count, _ = self.replies.get(source) or ([], None, [])
        flags = [flag for reply in self.replies.values() if reply for flag in reply[2]]
        if self.output_left < 0:  # the notebook has printed its share: keep only what scores
            if not any("more output in all" in flag for _, flag in self.result.flags):
                flags.append("printed more output in all than the grader keeps (later output dropped)")
            outputs = _what_scores(outputs)
        escape = self.job.escape
        if escape and self.next_cell > escape[0] and kind == TEST:
            outputs = outputs + [error_output(INTEGRITY_ERROR, f"not graded: {escape[1]}")]
        self.record(outputs, count, flags)
        self.send_next()

    def record(self, outputs, count, flags):
        self.result.outputs.append(outputs)
        self.result.counts.append(count)
        self.result.flags += [[self.next_cell + 1, flag] for flag in flags]
        self.next_cell += 1

    # -------------------------------------------------------------- failures and limits

    def ended(self, endpoint, reason):
        """A process closed its pipe: the student process's cells fail from here on; without
        the test process nothing more can be graded."""
        if not endpoint.alive:
            return
        endpoint.alive, endpoint.deadline = False, math.inf
        if endpoint is self.tests:
            self.fail_remaining(f"the notebook's test process stopped: {reason}")
            return
        endpoint.kill()
        self.result.flags.append([self.next_cell + 1, f"the student process stopped: {reason}"])
        if endpoint in self.replies and self.replies[endpoint] is None:
            self.replies[endpoint] = ([error_output(GRADER_ERROR, f"the student process stopped while "
                                                                   f"running this cell: {reason}")], None, [])
            if all(value is not None for value in self.replies.values()):
                self.complete_cell()

    def stop(self, endpoint, reason):
        endpoint.kill()
        self.ended(endpoint, f"it {reason}; the process was stopped")

    def check_time(self):
        now = time.monotonic()
        if self.done:
            return
        if now > self.wall:
            self.fail_remaining(f"the notebook ran longer than the grader allows "
                                f"({self.limits.notebook_seconds():g} s in all)")
            return
        for endpoint in self.endpoints:
            if endpoint.alive and now > endpoint.deadline:
                self.stop(endpoint, "timed out and did not respond")
                if self.done:
                    return

    def watch_memory(self):
        if self.student.alive and not self.done:
            used = _memory_of(_tree(self.student.pid), self.limits.student_memory_bytes)
            if used > self.limits.student_memory_bytes:
                self.stop(self.student, f"used more than {self.limits.student_memory_bytes / 2**30:g} GiB "
                                        "of memory in all its processes")

    def deadline(self):
        return min(self.wall, *(endpoint.deadline for endpoint in self.endpoints))

    def fail_remaining(self, reason):
        first = self.next_cell
        self.result.flags.append([first + 1, reason])
        for index in range(first, len(self.job.cells)):
            message = reason if index == first else "not run: an earlier cell stopped the notebook"
            self.result.outputs.append([error_output(GRADER_ERROR, message)])
            self.result.counts.append(None)
        self.next_cell = len(self.job.cells)
        self.finish()

    def finish(self):
        self.done = True
        self.result.seconds = time.monotonic() - self.started

    def close(self):
        """Close the pipes and kill both processes (and all they started); their pids, to reap."""
        for endpoint in self.endpoints:
            for fd in (endpoint.writer, endpoint.reader):
                try:
                    os.close(fd)
                except OSError:
                    pass
            endpoint.kill()
        return [endpoint.pid for endpoint in self.endpoints if endpoint.reaped is False]


def _start(main, keep_socket, limits):
    """Fork a test process that runs main(reader, writer) with only its pipes and `keep_socket`."""
    to_child_r, to_child_w = os.pipe()
    from_child_r, from_child_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns from here
        status = 1
        try:
            os.setsid()
            close_inherited(keep={to_child_r, from_child_w, keep_socket.fileno()})
            quiet = os.open(os.devnull, os.O_RDWR)  # what C code or a crash prints stays off the grader's terminal
            for fd in (0, 1, 2):
                os.dup2(quiet, fd)
            os.close(quiet)
            main(to_child_r, from_child_w)
            status = 0
        except BaseException as error:  # noqa: B036 - reported through the exit status
            status = 3 if isinstance(error, OSError) else 1
        finally:
            os._exit(status)
    os.close(to_child_r)
    os.close(from_child_w)
    return _Endpoint(pid, to_child_w, from_child_r, limits.output_bytes)


def _tests_main(reader, writer, sock, limits, kernel):
    sandbox.undumpable()  # the student process may not read or trace this one
    os.chdir("/")
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    _serve_tests(reader, writer, sock, limits, kernel)


def _what_scores(outputs):
    """The outputs nbgrader's determine_grade reads: errors, results, and whether stderr was written."""
    kept = [output for output in outputs if output["output_type"] in ("error", "execute_result")]
    if any(output["output_type"] == "stream" and output["name"] == "stderr" for output in outputs):
        kept.insert(0, {"output_type": "stream", "name": "stderr", "text": "[output dropped by the grader]\n"})
    return kept


def _ending(message):
    """How the student process ended, as its handle wrote it (student code may write there too)."""
    try:
        return str(json.loads(message[:1000])["ended"])[:200]
    except (ValueError, KeyError, TypeError, RecursionError):
        return "how is not known"


def first_escape(cells: list) -> list | None:
    """[index, reason] of the first student cell that reaches for the grader's machinery, or None."""
    libraries = scan.library_names(source for _, source in cells)
    for index, (kind, source) in enumerate(cells):
        found = scan.escapes(source, libraries) if kind == STUDENT else []
        if found:
            line, what, code = found[0]
            return [index, f"line {line} uses {code} ({what}), which the grader cannot vouch for: "
                           "the test cells after it earn nothing"]
    return None


def close_inherited(keep: set) -> None:
    """Close every descriptor the fork copied from the parent but `keep`: among them are the
    pipes of the other notebooks running at the same time, and whatever files the parent has open."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass  # the descriptor listdir itself used


def _serve_tests(reader, writer, sock, limits, kernel):
    """The test process: run locked and test cells, with the names student cells defined bound
    to proxies (remote.py). It never runs student code."""
    from .. import gradcheck
    from .remote import StudentProcess, StudentProcessError, evaluate_each
    kernel.attach()
    gradcheck.evaluate_each = evaluate_each
    signal.signal(signal.SIGALRM, on_alarm)
    student = StudentProcess(sock, kernel.forward_output, kernel.output_cut)
    owned = set(kernel.namespace)  # names the test side bound itself: never replaced by the student's
    incoming = os.fdopen(reader, "rb", buffering=0)
    while True:
        request = receive_message(incoming)
        if request is None:
            return
        kind, flags, tampered = request["kind"], [], []
        deadline = time.monotonic() + limits.cell_timeout
        student.new_cell(deadline)
        student.timed_out = False
        try:
            tampered = student.bind_names(kernel.namespace, owned, check=kind == TEST)
        except Exception as error:  # noqa: BLE001 - whatever the student side answered, the cell runs
            flags.append(f"the notebook's variables could not be read from the student process ({_why(error)})")
        if tampered:
            outputs, count, truncated = [error_output(INTEGRITY_ERROR, f"not graded: {TAMPERING_SEEN}")], None, False
            flags += [REPORTED_BY_STUDENT_PROCESS + change for change in tampered]
        elif time.monotonic() >= deadline:
            outputs, count, truncated = [error_output(TIMEOUT_ERROR, "the cell ran longer than the grader's "
                                                                          "time limit")], None, False
        else:
            before = dict(kernel.namespace)
            outputs, count, truncated = run_cell(kernel, request["source"], limits, deadline - time.monotonic())
            try:
                if time.monotonic() < deadline:
                    student.end_cell()
            except (StudentProcessError, CellTimeoutError) as error:
                flags.append(f"the cell's last changes to student arrays could not be written back ({_why(error)})")
            bound = {name: value for name, value in kernel.namespace.items() if before.get(name, _MISSING) is not value}
            owned.update(bound)
            if kind == LOCKED:
                student.locked.update(bound)
            if not kernel.succeeded and not any(output["output_type"] == "error" for output in outputs):
                outputs.append(error_output(GRADER_ERROR, "the cell failed"))
        flags += cell_flags(outputs, truncated, limits, timed_out=student.timed_out)
        send_message(writer, {"outputs": outputs, "count": count, "flags": flags, "nonce": request["nonce"]})


def _why(error: Exception) -> str:
    """Why a request failed, for a flag (students read flags in results.json): the grader's words,
    never what student code raised."""
    return "student code raised an exception" if getattr(error, "raised_by_student", False) else str(error)[:300]


TRUNCATED, OUT_OF_MEMORY = "printed more output than the grader keeps (truncated)", "ran out of memory"
PROCESS_LIMIT = "started more processes than the grader allows"


def cell_flags(outputs: list, truncated: bool, limits: Limits, timed_out: bool = False) -> list:
    """What about a cell's run deserves a human look (both processes say it the same way)."""
    errors = {output.get("ename") for output in outputs}
    flags = [TRUNCATED] if truncated else []
    if timed_out or TIMEOUT_ERROR in errors:
        flags.append(f"timed out after {limits.cell_timeout:g} s")
    if any(str(name).endswith("MemoryError") for name in errors):
        flags.append(OUT_OF_MEMORY)
    return flags


def grader_flags(limits: Limits) -> set:
    """Every flag the student process may raise about a cell (students read flags in results.json)."""
    return {TRUNCATED, OUT_OF_MEMORY, PROCESS_LIMIT, f"timed out after {limits.cell_timeout:g} s"}


def run_cell(kernel: Kernel, source: str, limits: Limits, seconds: float | None = None) -> tuple:
    signal.setitimer(signal.ITIMER_REAL, seconds or limits.cell_timeout)
    try:
        return kernel.run(source, limits.output_bytes)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


_MISSING = object()


def on_alarm(signum: int, frame) -> None:
    raise CellTimeoutError(TIMED_OUT)


def _frame(message):
    data = json.dumps(message, default=str).encode()
    return HEADER.pack(len(data)) + data


def send_message(fd: int, message: dict) -> None:
    data = _frame(message)
    while data:
        data = data[os.write(fd, data):]


def receive_message(stream) -> dict | None:
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


def error_output(name: str, message: str) -> dict:
    """An nbformat error output, as a kernel would send it; nbgrader scores its cell zero."""
    return {"output_type": "error", "ename": name, "evalue": message, "traceback": [f"{name}: {message}"]}


def kill(pid: int) -> None:
    """SIGKILL the child and whatever it started (its process group); run_all reaps it."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def reap(pid: int, block: bool = True) -> str | None:
    """How the child ended, as text; None if `block` is False and it has not ended yet."""
    try:
        reaped, status = os.waitpid(pid, 0 if block else os.WNOHANG)
    except ChildProcessError:
        return "already reaped"
    return None if reaped == 0 else status_text(status)


def status_text(status: int) -> str:
    """A wait status as text."""
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.WEXITSTATUS(status)}"


def _tree(root: int) -> list:
    """`root` and every process descended from it: from each thread's list of the children it
    started (Linux's /proc/PID/task/TID/children), or where the kernel keeps no such list, from
    the parent of every process on the machine (milliseconds)."""
    if not CHILDREN_LISTED:
        return _tree_of(root, _parents())
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children", "rb") as children:
                    stack += map(int, children.read().split())
        except (OSError, ValueError):
            continue  # it ended while we looked
    return found


CHILDREN_LISTED = os.path.exists(f"/proc/self/task/{os.getpid()}/children")


def _parents():
    """{pid: parent pid} of every process on the machine."""
    found = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    found[int(entry.name)] = int(stat.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue  # it ended while we looked
    return found


def _tree_of(root, parents):
    """`root` and every process descended from it, given {pid: parent pid}."""
    children = collections.defaultdict(list)
    for pid, parent in parents.items():
        children[parent].append(pid)
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack += children.get(pid, [])
    return found


def _memory_of(pids, limit: int) -> int:
    """Memory the processes `pids` use on their own: private pages, and anonymous files (memfd)
    they hold open but have not mapped, each counted once. Counting private pages walks every
    page table (milliseconds for a process that maps torch), so it is done only when the
    resident and swapped pages, which include them, come to more than `limit`: below it, that
    upper bound is returned."""
    files = {}
    for pid in pids:
        try:
            for name in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{name}").startswith("/memfd:"):
                    info = os.stat(f"/proc/{pid}/fd/{name}")
                    files[(info.st_dev, info.st_ino)] = info.st_blocks * 512
        except OSError:
            continue  # it ended while we looked
    at_most = sum(map(_resident_bytes, pids)) + sum(files.values())
    if at_most <= limit:
        return at_most
    return sum(map(_private_bytes, pids)) + sum(files.values())


def _resident_bytes(pid):
    """Resident and swapped memory of a process (private or shared), from counters the kernel
    keeps (with a margin for their lag): never less than its private memory."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            return 1024 * sum(int(line.split()[1]) for line in status
                              if line.startswith((b"VmRSS:", b"VmSwap:"))) + RESIDENT_MARGIN
    except (OSError, ValueError, IndexError):
        return 0  # it ended while we looked


def _counter_lag() -> int:
    """Bytes by which the kernel's RSS counters (four of them: file, anon, swap, shmem) may lag
    behind: per-CPU batches of max(32, 2 * CPUs) pages since Linux 6.2, before that 64 pages per
    thread (a notebook runs at most sandbox.PROCESSES threads)."""
    cpus, page = os.cpu_count() or 1, os.sysconf("SC_PAGE_SIZE")
    return 4 * max(32, 2 * cpus) * cpus * page + 64 * sandbox.PROCESSES * page


RESIDENT_MARGIN = _counter_lag()


def _private_bytes(pid):
    """Memory only this process uses: pages it still shares with the grader it was forked from
    are not counted, only what it wrote or allocated itself. A process that made its pages
    unreadable (not dumpable, the grader not root) counts with all it holds."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            return 1024 * sum(int(line.split()[1]) for line in rollup
                              if line.startswith((b"Private_Clean:", b"Private_Dirty:", b"Swap:")))
    except PermissionError:
        return _resident_bytes(pid)
    except (OSError, ValueError, IndexError):
        return 0  # it ended while we looked
