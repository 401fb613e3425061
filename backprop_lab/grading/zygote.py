"""Where student processes come from: a warm process that has never seen a test cell.

A forked process holds a copy of everything its parent held. The grader's main process reads
every notebook's cells, hidden tests included, so a student process forked from it could find
them in its own memory. The zygote is forked from the grader right after the libraries are
imported, before any notebook is read; every student process is forked from it. It learns the
locked cells (public: they are in the release) to share IPython's work on them, takes the
integrity snapshot (guard.py), and from then on only starts student processes: the grader sends
it a notebook's scratch folder and the student process's ends of its pipes and socket.

Each student process starts as a small handle (the zygote's child) that forks the process which
runs the notebook: in new namespaces when confined (sandbox.py). The handle waits for it and
tells the grader how it ended; killing the handle kills it and all it started.
"""
import gc
import json
import os
import signal
import socket

from . import execute, sandbox
from .execute import LOCKED, run_cell, send_message

MAX_MESSAGE = 1 << 20


class Zygote:
    """The grader's side: start the zygote now, then ask it for student processes."""

    def __init__(self, kernel, limits, confinement, tamper_checks=True):
        self.channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.pid = os.fork()
        if self.pid == 0:
            status = 1
            try:
                self.channel.close()
                execute.close_inherited(keep={theirs.fileno()})
                _zygote_main(theirs, kernel, limits, confinement, tamper_checks)
                status = 0
            finally:
                os._exit(status)
        theirs.close()

    def share(self, locked_sources):
        """The locked cells of this run (they are in the release: no secret)."""
        self.channel.send(json.dumps({"share": sorted(set(locked_sources))}).encode())

    def start(self, workdir: str, serial: int, reader: int, writer: int, sock: socket.socket) -> None:
        """Ask for a student process for one notebook, on these descriptors (sent: they may be
        closed here now). The zygote forks while the grader goes on; `started` gives the pid."""
        socket.send_fds(self.channel, [json.dumps({"workdir": workdir, "serial": serial}).encode()],
                        [reader, writer, sock.fileno()])

    def started(self) -> int:
        """The pid of the handle of the student process asked for last."""
        return json.loads(self.channel.recv(MAX_MESSAGE))["pid"]

    def close(self) -> None:
        self.channel.close()
        execute.kill(self.pid)
        execute.reap(self.pid)


def _zygote_main(channel, kernel, limits, confinement, tamper_checks):
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # its handles are reaped by the kernel
    sandbox.die_with_parent()
    snapshot = None
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(channel, MAX_MESSAGE, 3)
        except OSError:
            return
        if not data:
            return
        request = json.loads(data)
        if "share" in request:
            from .guard import Snapshot
            kernel.share_cells(request["share"])
            snapshot = Snapshot(kernel) if tamper_checks else None
            gc.freeze()
            gc.set_threshold(10_000)
            continue
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                channel.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                sandbox.die_with_parent()
                os.setsid()
                _handle(fds, request, kernel, limits, confinement, snapshot)
                status = 0
            finally:
                os._exit(status)
        for fd in fds:
            os.close(fd)
        channel.send(json.dumps({"pid": pid}).encode())


def _handle(fds, request, kernel, limits, confinement, snapshot):
    """The handle: start the notebook's student process, wait for it, report how it ended."""
    reader, writer, sock_fd = fds
    execute.close_inherited(keep=set(fds))
    quiet = os.open(os.devnull, os.O_RDWR)  # what C code or a crash prints stays off the grader's terminal
    for fd in (0, 1, 2):
        os.dup2(quiet, fd)
    os.close(quiet)
    if confinement is not None:
        sandbox.enter_namespaces()
    child = os.fork()
    if child:
        os.close(reader)
        os.close(sock_fd)
        _, status = os.waitpid(child, 0)
        send_message(writer, {"ended": execute.status_text(status)})
        return
    sandbox.die_with_parent()
    if confinement is not None:
        sandbox.confine(request["workdir"], memory_bytes=limits.memory_bytes, file_bytes=limits.file_bytes,
                        serial=request["serial"], **confinement)
    else:
        os.chdir(request["workdir"])
    os.environ["NBGRADER_EXECUTION"] = "autograde"  # as nbgrader tells its kernels (notebooks may ask)
    _serve_student(reader, writer, socket.socket(fileno=sock_fd), limits, kernel, snapshot,
                   confined=confinement is not None)


def _serve_student(reader, writer, sock, limits, kernel, snapshot, confined):
    """The student process: run student and locked cells for the grader; between them, answer
    the test process's requests (student.py)."""
    import select

    from .student import StudentServer
    kernel.attach()
    signal.signal(signal.SIGALRM, execute.on_alarm)
    server = StudentServer(kernel, sock, limits.cell_timeout, limits.output_bytes,
                           integrity=snapshot and _integrity_check(snapshot, kernel))
    incoming = os.fdopen(reader, "rb", buffering=0)
    listening = [reader, sock]
    while True:
        if sock in select.select(listening, [], [])[0]:
            try:
                server.serve_one()
            except (EOFError, OSError, ValueError):
                listening = [reader]  # the test process is gone: nothing more to answer
            continue
        request = execute.receive_message(incoming)
        if request is None:
            return
        kind = request["kind"]
        before = dict(kernel.namespace)
        outputs, count, truncated = run_cell(kernel, request["source"], limits)
        flags = execute.cell_flags(outputs, truncated, limits)
        if confined and sandbox.at_process_limit():  # (unconfined, nothing limits processes)
            flags.append(execute.PROCESS_LIMIT)
        if kind == LOCKED:
            if snapshot:
                snapshot.remember_bindings(kernel.namespace)
            server.after_locked_cell(before)
        send_message(writer, {"outputs": outputs, "count": count, "flags": flags, "nonce": request["nonce"]})


def _integrity_check(snapshot, kernel):
    """guard.py's comparison with the snapshot, asked by the test process before each test cell
    (defence in depth: it runs beside student code, which could defeat it)."""
    snapshot.attached()
    # Held by this function's closure, which student code cannot rebind: the check and its code.
    check, check_code = type(snapshot).changes, type(snapshot).changes.__code__

    def changes():
        if check.__code__ is not check_code or type(snapshot).changes is not check:
            return ["the grader's integrity check was modified"]
        return check(snapshot, kernel.namespace)

    return changes
