"""Confine a notebook's student process: namespaces of its own, hidden course files, limits.

`enter_namespaces` runs in a process forked for the notebook, which then forks once more: that
child is process 1 of a new PID namespace (everything student code starts lives and dies with
it, and sees no process of the grader or of another notebook), in a network namespace with no
interface up (no network), an IPC namespace, and a mount namespace of its own, where `confine`
hides the course behind an empty tmpfs, gives it a private /tmp and /dev/shm, makes every other
mount read-only and caps memory, file sizes and processes.

Python 3.11 has no os.unshare, so libc's unshare(2), mount(2) and prctl(2) are called through
ctypes, while the process is still single-threaded.
"""
import ctypes
import os
import resource
import secrets
import signal
import stat
from pathlib import Path

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWIPC = \
    0x00020000, 0x10000000, 0x20000000, 0x40000000, 0x08000000
UID_BASE = 200000      # a grader running as root runs each student process as a uid above this one
RUN_UIDS = secrets.randbelow(1 << 18) * 1024  # this run's uids, apart from another run's at the same time
PROCESSES = 64         # processes (and threads) a notebook may run beyond those already running
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = \
    0x1, 0x2, 0x4, 0x8, 0x20, 0x1000, 0x4000, 0x40000
MS_NOATIME, MS_NODIRATIME, MS_RELATIME, MS_STRICTATIME = 0x400, 0x800, 0x200000, 0x1000000
# Mount options that a read-only remount must repeat (a user namespace may not drop them).
KEPT_OPTIONS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC, "noatime": MS_NOATIME,
                "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME}
PR_SET_PDEATHSIG, PR_SET_DUMPABLE = 1, 4
PRIVATE_TMP = ("/tmp", "64m")
PRIVATE_SHM = ("/dev/shm", "16m")
PRIVATE_WORKDIR = "160m"   # the files handed in beside the notebook (at most 64 MB) and what the notebook writes

_libc = ctypes.CDLL(None, use_errno=True)


class SandboxError(RuntimeError):
    pass


def die_with_parent() -> None:
    """SIGKILL this process when its parent ends. (Should the parent be killed before this takes
    effect, the grader's kill of the whole process group still reaches this process.)"""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def undumpable() -> None:
    """No other process of the same user may trace this one or read its memory."""
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def enter_namespaces() -> None:
    """New mount, PID, network and IPC namespaces for this process's next child (and a user
    namespace first when the grader is not root)."""
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC
    if _libc.unshare(flags) == 0:
        return
    uid, gid = os.getuid(), os.getgid()
    if _libc.unshare(CLONE_NEWUSER | flags) != 0:
        raise SandboxError(f"unshare failed: {os.strerror(ctypes.get_errno())}")
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
    Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")


def confine(workdir, hidden, keep, memory_bytes, file_bytes, serial=0) -> None:
    """Hide `hidden` behind an empty tmpfs (re-exposing the folders in `keep` read-only), give
    the process a private /tmp and /dev/shm, its own /proc, and a copy of `workdir` in a tmpfs of
    its own (nothing it writes reaches the disk), make every other mount read-only, and cap
    memory, file sizes and processes. Only in the first child forked after
    `enter_namespaces` (process 1 of the new namespaces): anywhere else the mounts would be the
    machine's."""
    if os.getpid() != 1:
        raise SandboxError("confine runs only as process 1 of the namespaces enter_namespaces made")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    exposed = [Path(p) for p in (*keep, workdir)]
    handles = {path: os.open(path, os.O_RDONLY | os.O_DIRECTORY) for path in exposed}
    # As root the notebook runs as another user (_drop_root): folders on the way to what it needs
    # that only root may enter (a home like /root holding Python itself) are replaced too.
    closed = _closed_ancestors(exposed) if os.geteuid() == 0 else []
    for folder in (*closed, *hidden):
        if os.path.isdir(folder):  # a hidden folder inside a closed one is gone already
            _mount("tmpfs", str(folder), "tmpfs", 0, "size=1m,mode=755")
    for folder, size in (PRIVATE_TMP, PRIVATE_SHM):
        if os.path.isdir(folder):
            _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode=1777")
    original = handles.pop(Path(workdir))
    for path, fd in handles.items():
        path.mkdir(parents=True, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", str(path), None, MS_BIND | MS_REC)
        os.close(fd)
    Path(workdir).mkdir(parents=True, exist_ok=True)
    _mount("tmpfs", str(workdir), "tmpfs", MS_NOSUID | MS_NODEV, f"size={PRIVATE_WORKDIR},mode=755")
    _copy_files(original, workdir)
    os.close(original)
    processes = _tasks_of(_notebook_uid(serial) if os.geteuid() == 0 else os.getuid()) + PROCESSES  # before /proc shows only this namespace
    _own_proc()
    writable = {str(workdir), PRIVATE_TMP[0], PRIVATE_SHM[0]}
    for mount_id, target, options in _mounts():
        if target not in writable and not target.startswith(("/proc", "/sys")) and _visible(mount_id, target):
            _read_only(target, options)
    os.chdir(workdir)
    _drop_root(workdir, serial)
    die_with_parent()  # again: changing user cleared it
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _copy_files(source_fd, target):
    """The regular files of the folder open as `source_fd` (not its folders, never a link)."""
    for name in os.listdir(source_fd):
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=source_fd)
        except OSError:
            continue
        with os.fdopen(fd, "rb") as source:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                with open(os.path.join(target, name), "wb") as copy:
                    while chunk := source.read(1 << 20):
                        copy.write(chunk)


def _own_proc():
    """A /proc that shows this PID namespace only. (Where the kernel refuses a new proc mount
    in a user namespace, the old one stays: its other processes still cannot be signalled.)"""
    try:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except SandboxError:
        pass


def _mounts():
    """(mount id, mount point, options) of every mount in this namespace, outermost first."""
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        target = fields[4].encode().decode("unicode_escape")
        found.append((fields[0], target, set(fields[5].split(","))))
    return found


def _visible(mount_id, target):
    """Whether `target` leads to this mount, not to one mounted over it or above it (a mount
    nothing can reach needs no remount; one that can be reached must be made read-only)."""
    try:
        fd = os.open(target, os.O_PATH | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        info = Path(f"/proc/self/fdinfo/{fd}").read_text()
    finally:
        os.close(fd)
    return any(line.split() == ["mnt_id:", mount_id] for line in info.splitlines())


def _read_only(target, options):
    flags = MS_REMOUNT | MS_BIND | MS_RDONLY
    for option, flag in KEPT_OPTIONS.items():
        if option in options:
            flags |= flag
    try:
        _mount(None, target, None, flags)
    except SandboxError:
        if "ro" not in options:
            raise


def _closed_ancestors(paths):
    """The outermost folders above `paths` that other users may not enter."""
    closed = set()
    for path in paths:
        for folder in reversed(path.parents):
            if folder != Path("/") and not os.stat(folder).st_mode & stat.S_IXOTH:
                closed.add(folder)
                break
    return sorted(closed)


def _drop_root(workdir, serial):
    """Root ignores process limits, and they count per user: run each notebook as a user of its
    own, owning its scratch folder."""
    if os.geteuid() != 0:
        return
    uid = _notebook_uid(serial)
    for folder, _, files in os.walk(workdir):
        for path in (folder, *(os.path.join(folder, name) for name in files)):
            os.chown(path, uid, uid)
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def _notebook_uid(serial):
    return UID_BASE + RUN_UIDS + serial % 1024


def _tasks_of(uid):
    """How many processes and threads `uid` runs now (the count RLIMIT_NPROC limits). Only the
    processes whose /proc folder `uid` owns are read."""
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


def at_process_limit() -> bool:
    """Whether this notebook runs as many processes and threads as confine allows it beyond those
    running before (counted in its own /proc, which shows its PID namespace only)."""
    return _tasks_of(os.getuid()) >= PROCESSES


def _mount(source, target, fstype, flags, data=None):
    encode = lambda s: None if s is None else s.encode()  # noqa: E731
    if _libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)) != 0:
        raise SandboxError(f"mount {source} on {target}: {os.strerror(ctypes.get_errno())}")
