"""Confine a freshly forked grading child: private mounts, hidden course files, resource limits.

Runs in the child, before any student code and while the child is still single-threaded.
Python 3.11 has no os.unshare, so libc's unshare(2) and mount(2) are called through ctypes.
"""
import ctypes
import os
import resource
import stat
from pathlib import Path

CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
UID_BASE = 200000      # a grader running as root runs each notebook as uid UID_BASE + its pid
PROCESS_MARGIN = 64    # processes (and threads) a notebook may start beyond those already running
MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x1, 0x20, 0x1000, 0x4000, 0x40000

_libc = ctypes.CDLL(None, use_errno=True)


class SandboxError(RuntimeError):
    pass


def confine(workdir, hidden, keep, memory_bytes, file_bytes):
    """Hide `hidden` behind an empty tmpfs (re-exposing the folders in `keep` and `workdir`),
    make the rest of the file system read-only, and cap memory, file sizes and processes."""
    _new_mount_namespace()
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    exposed = [Path(p) for p in (*keep, workdir)]
    handles = {path: os.open(path, os.O_RDONLY | os.O_DIRECTORY) for path in exposed}
    # As root the notebook runs as another user (_drop_root): folders on the way to what it needs
    # that only root may enter (a home like /root holding Python itself) are replaced too.
    closed = _closed_ancestors(exposed) if os.geteuid() == 0 else []
    for folder in (*closed, *hidden):
        if os.path.isdir(folder):  # a hidden folder inside a closed one is gone already
            _mount("tmpfs", str(folder), "tmpfs", 0, "size=1m,mode=755")
    _mount("tmpfs", "/tmp", "tmpfs", 0, "size=64m,mode=1777")  # a private, empty /tmp
    for path, fd in handles.items():
        path.mkdir(parents=True, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", str(path), None, MS_BIND | MS_REC)
        os.close(fd)
    for path in ["/", *map(str, keep)]:
        _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC)
    os.chdir(workdir)
    _drop_root(workdir)
    processes = _tasks_of(os.getuid()) + PROCESS_MARGIN
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _closed_ancestors(paths):
    """The outermost folders above `paths` that other users may not enter."""
    closed = set()
    for path in paths:
        for folder in reversed(path.parents):
            if folder != Path("/") and not os.stat(folder).st_mode & stat.S_IXOTH:
                closed.add(folder)
                break
    return sorted(closed)


def _drop_root(workdir):
    """Root ignores process limits, and they count per user: run each notebook as a user of its
    own (one no other process has), owning its scratch folder."""
    if os.geteuid() != 0:
        return
    uid = UID_BASE + os.getpid()
    for folder, _, files in os.walk(workdir):
        for path in (folder, *(os.path.join(folder, name) for name in files)):
            os.chown(path, uid, uid)
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def _tasks_of(uid):
    """How many processes and threads `uid` runs now (the count RLIMIT_NPROC limits). Only the
    processes whose /proc folder `uid` owns are read: reading every one was half of confine's time.
    (A setuid process shows another owner: missing it only makes the limit tighter.)"""
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid != uid:
                    continue
                status = Path(entry.path, "status").read_text()
            except OSError:
                continue  # it ended while we looked
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if int(fields.get("Uid", "-1").split()[0]) == uid:
                count += int(fields.get("Threads", "1"))
    return count


def _new_mount_namespace():
    if _libc.unshare(CLONE_NEWNS) == 0:
        return
    # Without CAP_SYS_ADMIN, a user namespace in which we are root grants it.
    uid, gid = os.getuid(), os.getgid()
    if _libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0:
        raise SandboxError(f"unshare failed: {os.strerror(ctypes.get_errno())}")
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
    Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")


def _mount(source, target, fstype, flags, data=None):
    encode = lambda s: None if s is None else s.encode()  # noqa: E731
    if _libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)) != 0:
        raise SandboxError(f"mount {source} on {target}: {os.strerror(ctypes.get_errno())}")
