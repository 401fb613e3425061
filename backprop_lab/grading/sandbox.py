"""Confine a freshly forked grading child: private mounts, hidden course files, resource limits.

Runs in the child, before any student code and while the child is still single-threaded.
Python 3.11 has no os.unshare, so libc's unshare(2) and mount(2) are called through ctypes.
"""
import ctypes
import os
import resource
from pathlib import Path

CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x1, 0x20, 0x1000, 0x4000, 0x40000

_libc = ctypes.CDLL(None, use_errno=True)


class SandboxError(RuntimeError):
    pass


def confine(workdir, hidden, keep, memory_bytes, file_bytes):
    """Hide `hidden` behind an empty tmpfs (re-exposing the folders in `keep` and `workdir`),
    make the rest of the file system read-only, and cap memory and file sizes."""
    _new_mount_namespace()
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    exposed = [Path(p) for p in (*keep, workdir)]
    handles = {path: os.open(path, os.O_RDONLY | os.O_DIRECTORY) for path in exposed}
    for folder in (*hidden, "/tmp"):  # a private, empty /tmp too
        _mount("tmpfs", str(folder), "tmpfs", 0, "size=64m,mode=1777")
    for path, fd in handles.items():
        path.mkdir(parents=True, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", str(path), None, MS_BIND | MS_REC)
        os.close(fd)
    for path in ["/", *map(str, keep)]:
        _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC)
    os.chdir(workdir)
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


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
