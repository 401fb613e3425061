"""Benchmark: what one request from a test process to a student process costs, against the floor.

    .venv/bin/python bench/request_cost.py [--requests 3000]

A test cell that calls student code sends a request across the process boundary (grading/remote.py
to grading/student.py) and waits for the reply; the bench class makes about 200 of them per
notebook. This runs notebooks of two cells (a student cell defining a class and a function, a
test cell making the same request in a loop), isolated as `backprop-lab grade` runs them, and
prints the wall time per request for each kind: the notebook's time less that of the same
notebook making no request (starting and ending its processes). Beside them, in the same run: a
bare round trip between two forked Python processes over a socket pair, the floor no protocol
goes below.
"""
import argparse
import os
import select
import socket
import tempfile
import time
from pathlib import Path

from backprop_lab.grading import execute, grade
from backprop_lab.grading.zygote import Zygote

STUDENT_CELL = """
class Thing:
    @property
    def computed(self):
        return 1

    def identity(self, x):
        return x

thing = Thing()

def double(x):
    return x * 2
"""

# What each test cell repeats: one request apiece (a property is read anew every time). The
# notebook that repeats nothing gives the time of everything else.
NO_REQUEST = "no request"
REQUESTS = {
    NO_REQUEST: "pass",
    "read a property": "thing.computed",
    "call with an int": "double(1)",
    "call with an array": "double(x)",
    "method with an array": "thing.identity(x)",
}


def time_requests(count: int) -> dict:
    """{kind: seconds per request}, each kind in a notebook of its own."""
    kernel = execute.warm_up()
    with tempfile.TemporaryDirectory(prefix="bench-requests-") as folder:
        jobs = []
        for index, (kind, statement) in enumerate(REQUESTS.items()):
            workdir = Path(folder) / str(index)
            workdir.mkdir()
            repeats = 0 if kind == NO_REQUEST else count
            test = f"import numpy as np\nx = np.ones((4, 3))\nfor _ in range({repeats}):\n    {statement}"
            cells = [(execute.STUDENT, STUDENT_CELL), (execute.TEST, test)]
            jobs.append(execute.Job(kind, cells, str(workdir), escape=execute.first_escape(cells)))
        limits = execute.Limits()
        zygote = Zygote(kernel, limits, grade.confinement(Path(folder), True))
        execute.ready(kernel, zygote, jobs)
        seconds = {}
        try:
            for job in jobs:
                started = time.perf_counter()
                result = execute.run_all([job], 1, limits, kernel, zygote)[job.key]
                seconds[job.key] = time.perf_counter() - started
                failed = [output for outputs in result.outputs for output in outputs if output["output_type"] == "error"]
                if failed:
                    raise SystemExit(f"{job.key}: the test cell failed: {failed[0]['ename']}: {failed[0]['evalue']}")
        finally:
            zygote.close()
    alone = seconds.pop(NO_REQUEST)
    return {kind: (total - alone) / count for kind, total in seconds.items()}


def socket_floor(count: int) -> float:
    """Seconds per round trip of a 200-byte message between two forked processes."""
    ours, theirs = socket.socketpair()
    message = b"x" * 200
    pid = os.fork()
    if pid == 0:
        ours.close()
        while data := theirs.recv(4096):
            theirs.sendall(data)
        os._exit(0)
    theirs.close()
    started = time.perf_counter()
    for _ in range(count):
        ours.sendall(message)
        select.select([ours], [], [])
        ours.recv(4096)
    seconds = (time.perf_counter() - started) / count
    ours.close()
    os.waitpid(pid, 0)
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per kind")
    args = parser.parse_args()
    floor = socket_floor(10 * args.requests)
    for kind, seconds in time_requests(args.requests).items():
        print(f"{kind:<22}: {seconds * 1e6:7.1f} µs per request  ({seconds / floor:5.1f}x the floor)")
    print(f"{'bare socket round trip':<22}: {floor * 1e6:7.1f} µs  (the floor: two Python processes, no protocol)")


if __name__ == "__main__":
    main()
