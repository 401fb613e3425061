"""`backprop-lab hub`: the course on a local JupyterHub, to try nbgrader's whole path on one machine.

    start     (root) local accounts (one instructor, a few students), the instructor's course
              folder, nbgrader's exchange, each role's Jupyter settings; every assignment released;
              JupyterHub started in the background; prints where to log in and the passwords
    stop      (root) stops the hub and every server it started
    remove    (root) stops it, deletes the accounts (userdel -r) and the hub's folder
    status    where the hub is and who its accounts are
    grade A   (instructor, in the course folder) nbgrader collect -> backprop-lab grade ->
              feedback -> nbgrader release_feedback; one line per student, never-submitted included
    feedback A (instructor) after grading written answers in formgrader: feedback again, released again

Everything the hub keeps lives under one folder (default /srv/backprop-lab-hub): state/ (root
only: settings, password hashes, the hub's database and log), exchange/ (nbgrader's exchange),
config/<role>/ (what each role's Jupyter server reads) and home/<account>/ (the accounts' homes;
the course folder is the instructor's ~/backprop-lab). The accounts carry ACCOUNT_MARK in their
comment field: `remove` deletes no account without it.
"""
import hashlib
import hmac
import json
import math
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

DEFAULT_DIR = Path("/srv/backprop-lab-hub")
DEFAULT_PREFIX = "bplab-"
# The students' names: one with a dot, as real user names have.
STUDENT_NAMES = ["ada", "ben", "chidi.o", "dee"]
ACCOUNT_MARK = "backprop-lab hub (local trial account)"
COURSE_FOLDER = "backprop-lab"      # the course folder, in the instructor's home
COURSE_ID = "backprop-lab"          # nbgrader_config.py's course_id; the exchange's folder
STATE = "state"

# nbgrader's four server extensions and five JupyterLab plugins: students get the Assignments tab
# (and Validate); the instructor gets everything, Formgrader and Create assignment included.
SERVER_EXTENSIONS = ["formgrader", "assignment_list", "course_list", "validate_assignment"]
LAB_PLUGINS = ["formgrader", "assignment-list", "course-list", "create-assignment", "validate-assignment"]
STUDENT_SERVER_EXTENSIONS = {"assignment_list", "validate_assignment"}
STUDENT_LAB_PLUGINS = {"assignment-list", "validate-assignment"}
# JupyterLab settings every account starts with: no question about fetching Jupyter news.
LAB_USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    # every cell drawn when a notebook opens (the browser's find-in-page sees the whole notebook)
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


class HubError(SystemExit):
    """A clear message and exit status 1."""

    def __init__(self, message):
        super().__init__(f"backprop-lab hub: {message}")


# --- settings ----------------------------------------------------------------------------------

def hub_dir(folder=None):
    return Path(folder or os.environ.get("BACKPROP_LAB_HUB_DIR") or DEFAULT_DIR).resolve()


def load_settings(folder):
    path = Path(folder) / STATE / "hub.json"
    if not path.is_file():
        raise HubError(f"no hub in {folder} (start one with `make hub`)")
    return json.loads(path.read_text())


def save_settings(settings):
    path = Path(settings["dir"]) / STATE / "hub.json"
    path.with_suffix(".tmp").write_text(json.dumps(settings, indent=1))
    path.with_suffix(".tmp").replace(path)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _hash(password, salt):
    return hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1).hex()


# --- the authenticator -------------------------------------------------------------------------

def _authenticator_class():
    """JupyterHub's Authenticator with one random password per account, checked against the
    scrypt hashes in state/passwords.json (root only). For trying the course on one machine; a
    real class uses the university's login (see the README)."""
    from jupyterhub.auth import Authenticator
    from traitlets import Unicode

    class TrialPasswordAuthenticator(Authenticator):
        password_file = Unicode("", config=True, help="JSON {user: {salt, hash}}")

        async def authenticate(self, handler, data):
            entries = json.loads(Path(self.password_file).read_text())
            entry = entries.get(data.get("username", ""))
            if entry and hmac.compare_digest(entry["hash"], _hash(data.get("password", ""), entry["salt"])):
                return data["username"]
            return None

    return TrialPasswordAuthenticator


# --- accounts ----------------------------------------------------------------------------------

def _run(command, **kwargs):
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise HubError(f"{' '.join(map(str, command))} failed:\n{done.stdout}{done.stderr}"[-3000:])
    return done.stdout


def _account(name):
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def _ours(name):
    account = _account(name)
    return account is not None and account.pw_gecos == ACCOUNT_MARK


def _create_account(name, homes):
    if _account(name):
        if not _ours(name):
            raise HubError(f"a user named {name!r} already exists and is not one of this hub's accounts: "
                           "choose other names with --prefix")
        return False
    _run(["useradd", "--create-home", "--home-dir", str(homes / name), "--shell", "/bin/bash",
          "--comment", ACCOUNT_MARK, "--user-group", name])
    os.chmod(homes / name, 0o700)  # nobody else reads a student's work
    return True


def _as_user(name, command, cwd=None, env=None, check=True, timeout=None):
    """Run `command` as account `name` (runuser: no password, root only), in its home by default."""
    account = _account(name)
    environment = {"HOME": account.pw_dir, "USER": name, "LOGNAME": name, "LANG": "C.UTF-8",
                   "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
                   **(env or {})}
    done = subprocess.run(["runuser", "-u", name, "--", "env", "-i",
                           *[f"{k}={v}" for k, v in environment.items()], *map(str, command)],
                          cwd=cwd or account.pw_dir, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise HubError(f"as {name}: {' '.join(map(str, command))} failed:\n{done.stdout}{done.stderr}"[-4000:])
    return done


def _open_the_way(settings, name):
    """Let the accounts run this environment's Python and import the course package: add the
    search bit (o+x: passing through, not listing) to each folder above them that lacks it, noted
    for `remove` to undo. Needed where the interpreter or the checkout sits in a private folder
    (pyenv under /root, a checkout made with mktemp -d)."""
    import sysconfig

    paths = [os.path.realpath(sys.executable), sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"],
             str(Path(__file__).resolve().parent), settings["dir"]]   # and the hub's own folder
    for path in paths:
        for folder in reversed(Path(path).parents):
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH:
                settings["opened"].append([str(folder), stat.S_IMODE(mode)])
                os.chmod(folder, stat.S_IMODE(mode) | stat.S_IXOTH)
    save_settings(settings)
    check = _as_user(name, [sys.executable, "-c", "import backprop_lab, nbgrader, jupyterhub"], cwd="/", check=False)
    if check.returncode != 0:
        raise HubError(f"the accounts cannot run {sys.executable} with the course package: make this checkout "
                       f"and its Python readable by other users\n{check.stderr[-1500:]}")


# --- the per-role Jupyter settings --------------------------------------------------------------

def _role_config(folder, role, settings):
    folder.mkdir(parents=True, exist_ok=True)
    instructor = role == "instructor"
    extensions = {f"nbgrader.server_extensions.{e}": instructor or e in STUDENT_SERVER_EXTENSIONS
                  for e in SERVER_EXTENSIONS}
    server = {"jpserver_extensions": extensions}
    if instructor:
        # JupyterLab shows formgrader in a frame of its own page; JupyterHub's single-user
        # server forbids every frame ("frame-ancestors 'none'") unless told otherwise.
        server["tornado_settings"] = {"headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}
    (folder / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": server}, indent=1))
    disabled = {f"@jupyter/nbgrader:{p}": True for p in LAB_PLUGINS if not instructor and p not in STUDENT_LAB_PLUGINS}
    (folder / "labconfig").mkdir(exist_ok=True)
    (folder / "labconfig" / "page_config.json").write_text(json.dumps({"disabledExtensions": disabled}, indent=1))
    lines = ["# Written by `backprop-lab hub start`: nbgrader's exchange for this hub.",
             "c = get_config()  # noqa: F821",
             f"c.CourseDirectory.course_id = {COURSE_ID!r}",
             f"c.Exchange.root = {settings['exchange']!r}"]
    if instructor:
        lines.append(f"c.CourseDirectory.root = {settings['course']!r}")
    (folder / "nbgrader_config.py").write_text("\n".join(lines) + "\n")
    for path in [folder, *folder.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def _seed_lab_settings(name):
    home = Path(_account(name).pw_dir)
    settings = home / ".jupyter" / "lab" / "user-settings"
    for relative, values in LAB_USER_SETTINGS.items():
        path = settings / relative
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
    account = _account(name)
    for path in [home / ".jupyter", *(home / ".jupyter").rglob("*")]:
        os.chown(path, account.pw_uid, account.pw_gid)


HUB_CONFIG = '''\
# Written by `backprop-lab hub start` for the hub in {dir}. Regenerated at every start.
import os
from backprop_lab.instructor.hub import _authenticator_class

c = get_config()  # noqa: F821
c.JupyterHub.ip = {ip!r}
c.JupyterHub.port = {port!r}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port!r}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {proxy_pid!r}
c.JupyterHub.db_url = "sqlite:///{state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = {cookie!r}
c.JupyterHub.cleanup_servers = True     # stopping the hub stops every user's server

c.JupyterHub.authenticator_class = _authenticator_class()
c.Authenticator.password_file = {passwords!r}
c.Authenticator.allowed_users = set({users!r})

c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
ROLE_CONFIG = {role_config!r}
c.Spawner.environment = {{
    # each role's nbgrader extensions and exchange settings (see config/<role>/)
    "JUPYTER_CONFIG_PATH": lambda spawner: ROLE_CONFIG.get(spawner.user.name, ROLE_CONFIG["*"]),
    "PATH": {path!r},
}}
'''


# --- start / stop / remove -------------------------------------------------------------------

def _require_root(action):
    if os.geteuid() != 0:
        raise HubError(f"`hub {action}` creates or removes local accounts: run it as root (sudo make hub)")


def start(checkout, folder=None, prefix=DEFAULT_PREFIX, ip="127.0.0.1", port=8000, students=None,
          log=print):
    """Set up and start the hub; returns (settings, {account: password} for accounts made now)."""
    _require_root("start")
    for tool in ("useradd", "userdel", "runuser"):
        if not shutil.which(tool):
            raise HubError(f"{tool} is missing (it comes with the passwd / util-linux packages)")
    folder = hub_dir(folder)
    checkout = Path(checkout).resolve()
    venv_bin = Path(sys.executable).parent
    if not (venv_bin / "jupyterhub").exists():
        raise HubError(f"JupyterHub is not installed in {venv_bin.parent}: pip install -e '.[hub]' "
                       "(make hub does it)")
    state = folder / STATE
    if (state / "hub.json").is_file():
        settings = load_settings(folder)
        if _alive(settings):
            raise HubError(f"the hub in {folder} is already running: {settings['url']}")
    else:
        settings = {"dir": str(folder), "prefix": prefix, "accounts": [], "opened": [],
                    "instructor": f"{prefix}instructor",
                    "students": [f"{prefix}{s}" for s in (students or STUDENT_NAMES)]}
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)
    state.mkdir(exist_ok=True)
    os.chmod(state, 0o700)
    homes = folder / "home"
    homes.mkdir(exist_ok=True)
    os.chmod(homes, 0o755)
    instructor = settings["instructor"]
    course = homes / instructor / COURSE_FOLDER
    exchange = folder / "exchange"
    settings.update(ip=ip, port=port, url=f"http://{'localhost' if ip in ('127.0.0.1', '0.0.0.0') else ip}:{port}/",
                    hub_port=free_port(), proxy_api_port=free_port(), course=str(course),
                    exchange=str(exchange), checkout=str(checkout), python=sys.executable)
    save_settings(settings)

    # 1. the accounts, each with a password of its own (shown once, kept only as a hash)
    passwords_file = state / "passwords.json"
    hashes = json.loads(passwords_file.read_text()) if passwords_file.is_file() else {}
    new_passwords = {}
    for name in [instructor, *settings["students"]]:
        if _create_account(name, homes):
            settings["accounts"].append(name)
            save_settings(settings)
        if name not in hashes:
            password, salt = secrets.token_urlsafe(9), secrets.token_hex(16)
            hashes[name] = {"salt": salt, "hash": _hash(password, salt)}
            new_passwords[name] = password
        _seed_lab_settings(name)
    passwords_file.write_text(json.dumps(hashes))
    os.chmod(passwords_file, 0o600)
    already = len(settings["opened"])
    _open_the_way(settings, settings["students"][0])
    for opened, _ in settings["opened"][already:]:
        log(f"note: {opened} is now passable by other users (o+x, no listing) so the accounts can run "
            "this Python; `hub remove` restores it")

    # 2. the exchange (nbgrader wants its root writable by all; the sticky bit keeps each one's
    #    entries their own) and each role's settings
    exchange.mkdir(exist_ok=True)
    os.chmod(exchange, 0o1777)
    config = folder / "config"
    for role in ("student", "instructor"):
        _role_config(config / role, role, settings)

    # 3. the course folder, the instructor's: config, sources, release; students in the gradebook;
    #    every written assignment generated and released to the exchange
    log(f"setting up the course in {course} and releasing it to the exchange ...")
    account = _account(instructor)
    if not course.exists():
        course.mkdir()
        shutil.copy(checkout / "nbgrader_config.py", course / "nbgrader_config.py")
        for part in ("source", "release"):
            shutil.copytree(checkout / part, course / part,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        with open(course / "nbgrader_config.py", "a") as f:
            f.write("\n# --- added by `backprop-lab hub start`: this course on the local JupyterHub\n"
                    f"c.Exchange.root = {str(exchange)!r}\n")
        for path in [course, *course.rglob("*")]:
            os.chown(path, account.pw_uid, account.pw_gid)
    env = {"JUPYTER_CONFIG_PATH": str(config / "instructor")}
    _as_user(instructor, [sys.executable, "-m", "backprop_lab.instructor.hub", "_release", *settings["students"]],
             cwd=course, env=env, timeout=900)

    # 4. JupyterHub, in the background
    role_config = {"*": str(config / "student"), instructor: str(config / "instructor")}
    (state / "jupyterhub_config.py").write_text(HUB_CONFIG.format(
        dir=folder, ip=ip, port=port, hub_port=settings["hub_port"], proxy_api_port=settings["proxy_api_port"],
        proxy=str(venv_bin / "configurable-http-proxy"), proxy_pid=str(state / "proxy.pid"), state=state,
        cookie=str(state / "jupyterhub_cookie_secret"), passwords=str(passwords_file),
        users=sorted([instructor, *settings["students"]]), singleuser=str(venv_bin / "jupyterhub-singleuser"),
        role_config=role_config, path=os.pathsep.join([str(venv_bin), "/usr/local/bin", "/usr/bin", "/bin"])))
    hub_log = state / "jupyterhub.log"
    with open(hub_log, "a") as out:
        process = subprocess.Popen([str(venv_bin / "jupyterhub"), "-f", str(state / "jupyterhub_config.py")],
                                   cwd=state, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True,
                                   env={**os.environ, "PATH": os.pathsep.join([str(venv_bin), os.environ.get("PATH", "")])})
    settings["pid"] = process.pid
    save_settings(settings)
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            raise HubError(f"JupyterHub exited with {process.returncode}; its log ({hub_log}) ends:\n"
                           + hub_log.read_text()[-3000:])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/hub/api", timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline:
                stop(folder)
                raise HubError(f"JupyterHub did not answer within 90 s; see {hub_log}")
            time.sleep(0.25)  # the hub is starting: nothing else to wait on
    return settings, new_passwords


def _alive(settings):
    pid = settings.get("pid")
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    return cmdline.exists() and b"jupyterhub" in cmdline.read_bytes()


def _processes_of(uids):
    """PIDs of the processes whose real user is one of `uids` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid in uids:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def stop(folder=None, log=print):
    """Stop the hub (it stops the servers it started) and any process left by its accounts."""
    _require_root("stop")
    folder = hub_dir(folder)
    settings = load_settings(folder)
    if _alive(settings):
        os.kill(settings["pid"], signal.SIGTERM)
        deadline = time.monotonic() + 30
        while _alive(settings) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(settings):
            os.killpg(settings["pid"], signal.SIGKILL)
        log(f"stopped the hub in {folder}")
    # the proxy and anything the accounts left running (a kernel, a terminal)
    proxy_pid = folder / STATE / "proxy.pid"
    if proxy_pid.is_file():
        try:
            os.kill(int(proxy_pid.read_text().strip()), signal.SIGTERM)
        except (ValueError, ProcessLookupError):
            pass
        proxy_pid.unlink()
    uids = {_account(name).pw_uid for name in settings["accounts"] if _ours(name)}
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in _processes_of(uids):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        while _processes_of(uids) and time.monotonic() < deadline:
            time.sleep(0.1)
    settings["pid"] = None
    save_settings(settings)


def remove(folder=None, log=print):
    """Stop the hub, delete its accounts with their homes, undo the o+x it added, delete its folder."""
    _require_root("remove")
    folder = hub_dir(folder)
    settings = load_settings(folder)
    stop(folder, log=lambda *_: None)
    for name in settings["accounts"]:
        if _ours(name):
            subprocess.run(["userdel", "--remove", name], capture_output=True)
            if _account(name):
                raise HubError(f"could not delete the account {name}")
            log(f"deleted the account {name}")
    for path, mode in reversed(settings["opened"]):
        if Path(path).exists():
            os.chmod(path, mode)
    shutil.rmtree(folder, ignore_errors=True)
    log(f"removed {folder}")


def status(folder=None):
    settings = load_settings(hub_dir(folder))
    print(f"hub folder   {settings['dir']}\nrunning      {'yes: ' + settings['url'] if _alive(settings) else 'no'}\n"
          f"instructor   {settings['instructor']} (course folder {settings['course']})\n"
          f"students     {', '.join(settings['students'])}")


def announce(settings, passwords):
    """What `make hub` prints: where to log in, the accounts, how to take it all down."""
    lines = [f"\nBackprop Lab is running on a local JupyterHub: {settings['url']}", ""]
    if passwords:
        lines += ["Accounts (LOCAL TRIAL ONLY: random passwords, shown this once, kept only as hashes):"]
        for name in [settings["instructor"], *settings["students"]]:
            role = "instructor" if name == settings["instructor"] else "student"
            lines.append(f"  {name:<24} {passwords.get(name, '(unchanged since it was made)'):<16} {role}")
    else:
        lines.append(f"Accounts (passwords as printed when they were made): {settings['instructor']} (instructor), "
                     + ", ".join(settings["students"]))
    lines += ["",
              "Students: Nbgrader > Assignments to fetch, submit and fetch feedback.",
              f"Instructor: Nbgrader > Formgrader; course folder ~/{COURSE_FOLDER}; after the deadline, in a "
              f"terminal there: backprop-lab hub grade 01_loss",
              f"Log: {Path(settings['dir']) / STATE / 'jupyterhub.log'}",
              "Stop: sudo make hub-stop    Remove the accounts and all files: sudo make hub-remove"
              + (f" (with HUB_DIR={settings['dir']})" if Path(settings["dir"]) != DEFAULT_DIR else "")]
    print("\n".join(lines), flush=True)


# --- the instructor's side (run as the instructor, in the course folder) ------------------------

def _release(students):
    """As the instructor in the course folder: students into the gradebook; each written assignment
    generated (which registers it in the gradebook) and released to the exchange. One process
    for all of it: nbgrader's start-up is most of the cost of each command."""
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.apps import NbGraderAPI

    from ..grading.options import course_config
    from . import course

    root = Path.cwd()
    api = NbGraderAPI(config=course_config(root))
    with Gradebook(course.gradebook_url(root)) as book:
        for student in students:
            book.update_or_create_student(student)
    for assignment in course.written_assignments(root):
        with Gradebook(course.gradebook_url(root)) as book:
            try:
                book.find_notebook(assignment.notebook, assignment.name)
                known = True
            except MissingEntry:
                known = False
        if not known or not assignment.release(root).is_file():
            result = api.generate_assignment(assignment.name, force=True)
            if not result["success"]:
                raise HubError(f"nbgrader generate_assignment {assignment.name} failed:\n{result['error'][-3000:]}")
        result = api.release_assignment(assignment.name)
        if not result["success"] and "already exists" not in result["log"] + result["error"]:
            raise HubError(f"nbgrader release_assignment {assignment.name} failed:\n{result['error'][-3000:]}")
        print(f"released {assignment.name}", flush=True)


def _expected(root, name):
    from . import course

    matches = [a for a in course.written_assignments(root) if a.name == name]
    if not matches:
        raise HubError(f"no assignment named {name!r} in {root}")
    return matches[0]


def _renamed_notebooks(root, assignment):
    """A collected submission without <notebook>.ipynb but with another notebook (renamed in the
    file browser: "loss-Copy1.ipynb", "Untitled.ipynb"): that notebook is copied under the
    expected name and graded (the student's file stays as it was). Returns {student: file name}."""
    renamed = {}
    submitted = root / "submitted"
    for folder in sorted(submitted.glob(f"*/{assignment.name}")):
        expected = folder / f"{assignment.notebook}.ipynb"
        if expected.exists():
            continue
        others = sorted((p for p in folder.glob("*.ipynb") if p.is_file() and not p.is_symlink()),
                        key=lambda p: (p.stat().st_mtime, p.name))
        if others:
            shutil.copyfile(others[-1], expected)
            os.utime(expected, (others[-1].stat().st_atime, others[-1].stat().st_mtime))
            renamed[folder.parent.name] = others[-1].name
    return renamed


def _renames_file(root, assignment):
    return root / ".grading" / f"renamed-{assignment.name}.json"


def _feedback_under_students_names(root, assignment, renamed):
    """A renamed notebook's feedback is also released under the student's file name: nbgrader's
    fetch_feedback looks it up by the names in the student's own copy of the submission."""
    for student, name in renamed.items():
        page = root / "feedback" / student / assignment.name / f"{assignment.notebook}.html"
        if page.is_file():
            shutil.copyfile(page, page.with_name(Path(name).stem + ".html"))


def roster(root, assignment):
    """One row per student in the gradebook: submitted when, how late (nbgrader's own reckoning
    against the due date), points from the tests, written answers, total."""
    from nbgrader.api import Gradebook, MissingEntry

    from . import course

    rows = []
    with Gradebook(course.gradebook_url(root)) as book:
        auto_max = manual_max = 0.0
        for cell in book.find_notebook(assignment.notebook, assignment.name).grade_cells:
            if cell.cell_type == "code":
                auto_max += cell.max_score
            else:
                manual_max += cell.max_score
        for student in sorted(s.id for s in book.students):
            row = {"student": student, "submitted": "", "late_by_s": 0, "tests": 0.0, "tests_max": auto_max,
                   "written": 0.0, "written_max": manual_max, "to_grade": 0.0, "total": 0.0,
                   "max": auto_max + manual_max, "note": ""}
            try:
                submission = book.find_submission(assignment.name, student)
            except MissingEntry:
                row["note"] = "no submission: 0"
                rows.append(row)
                continue
            row["submitted"] = submission.timestamp.strftime("%Y-%m-%d %H:%M:%S UTC") if submission.timestamp else ""
            row["late_by_s"] = math.ceil(submission.total_seconds_late or 0)  # a second late is late
            for grade in book.find_submission_notebook(assignment.notebook, assignment.name, student).grades:
                if grade.cell_type == "code":
                    row["tests"] += grade.score or 0
                elif grade.needs_manual_grade and grade.manual_score is None:
                    row["to_grade"] += grade.max_score
                else:
                    row["written"] += grade.score or 0
            row["total"] = row["tests"] + row["written"]
            rows.append(row)
    return rows


def _late(seconds):
    if seconds <= 0:
        return ""
    minutes = seconds // 60
    return f"LATE by {minutes // 1440} d {minutes // 60 % 24} h {minutes % 60} min" if minutes >= 1440 else \
        f"LATE by {minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"LATE by {max(minutes, 1)} min"


def print_roster(root, assignment, renamed, problems=()):
    import csv

    rows = roster(root, assignment)
    width = max([len("student"), *(len(r["student"]) for r in rows)]) + 2
    print(f"\n{assignment.name}: every student of the gradebook "
          f"(tests {rows[0]['tests_max'] if rows else 0:g} pts, written answers {rows[0]['written_max'] if rows else 0:g} pts)")
    print(f"{'student':<{width}}{'submitted':<25}{'tests':>9}    {'written':<16}{'total':>9}    notes")
    for r in rows:
        notes = [n for n in (r["note"], _late(r["late_by_s"])) if n]
        if r["student"] in renamed:
            notes.append(f"graded {renamed[r['student']]!r} as {assignment.notebook}.ipynb (renamed)")
        r["note"] = "; ".join(notes)
        written = f"{r['to_grade']:g} pts to grade" if r["to_grade"] else f"{r['written']:g} / {r['written_max']:g}"
        print(f"{r['student']:<{width}}{r['submitted'] or '-':<25}{r['tests']:>5g} / {r['tests_max']:<3g}  "
              f"{written:<16}{r['total']:>5g} / {r['max']:<3g}  {r['note']}")
    for problem in problems:
        print(f"  {problem}")
    path = root / f"roster-{assignment.name}.csv"
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["student"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"(also in {path.name}; late submissions are graded and flagged, never dropped: nbgrader's due "
          f"date, set in formgrader or with `nbgrader db assignment add {assignment.name} --duedate=...`)")
    return rows


def grade(root, name, workers=None):
    """After the deadline: collect (latest submission per student), grade with backprop-lab grade,
    release feedback; print every student's line."""
    root = Path(root)
    assignment = _expected(root, name)
    print(f"collecting {name} from the exchange (the latest submission of each student) ...", flush=True)
    _nbgrader_api(root, "collect", name, update=True)
    renamed = _renamed_notebooks(root, assignment)
    submitted = root / "submitted"
    students = sorted(p.parent.name for p in submitted.glob(f"*/{name}") if p.is_dir())
    problems = []
    for student in students:
        if not (submitted / student / name / f"{assignment.notebook}.ipynb").exists():
            problems.append(f"{student}: the submission holds no notebook: graded as the blank release")
    if students:
        command = [sys.executable, "-m", "backprop_lab.cli", "grade", str(submitted)]
        if workers:
            command += ["--workers", str(workers)]
        print(f"grading {len(students)} submission(s) of {name} with backprop-lab grade ...", flush=True)
        done = subprocess.run(command, cwd=root)
        if done.returncode != 0:
            raise HubError(f"backprop-lab grade failed (exit {done.returncode}); nothing was released")
        _renames_file(root, assignment).write_text(json.dumps(renamed))
        _release_feedback(root, assignment, renamed)
    else:
        print(f"nobody has submitted {name} yet")
    print_roster(root, assignment, renamed, problems)
    return 0


def _nbgrader_api(root, method, *args, **kwargs):
    """One nbgrader command through its Python API, in this process (each `nbgrader` command
    spends seconds starting); raises with nbgrader's own log when it fails."""
    from nbgrader.apps import NbGraderAPI

    from ..grading.options import course_config

    # nbgrader runs alembic through PATH when it upgrades a gradebook: this environment first
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    result = getattr(NbGraderAPI(config=course_config(root)), method)(*args, **kwargs)
    if not result["success"]:
        raise HubError(f"nbgrader {method} {' '.join(args)} failed:\n{result.get('log', '')}{result.get('error', '')}"[-3000:])
    return result


def _release_feedback(root, assignment, renamed):

    _feedback_under_students_names(root, assignment, renamed)
    _nbgrader_api(root, "release_feedback", assignment.name)
    print(f"feedback for {assignment.name} released: students fetch it from the Assignments tab", flush=True)


def feedback(root, name):
    """After grading written answers in formgrader: feedback pages again (their totals now include
    the written answers), released again. The autograded scores are left as they are."""
    import logging

    from ..grading import score
    from ..grading.options import course_config

    root = Path(root).resolve()
    assignment = _expected(root, name)
    config = score.grading_config(course_config(root), Path(".grading") / "submitted", root / ".grading" / "executed")
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config, root=str(root))
    coursedir.assignment_id = name
    pages = score.FeedbackPages(coursedir=coursedir, config=config)
    pages.force = True
    pages.log = logging.getLogger("nbgrader")
    try:
        pages.start()
    except Exception as error:  # noqa: BLE001 - nbgrader's summary of what it could not render
        print(f"some feedback pages could not be made: {error}")
    for student, why in pages.failures:
        print(f"  {student}: no feedback page ({why})")
    renames = _renames_file(root, assignment)
    renamed = json.loads(renames.read_text()) if renames.is_file() else {}
    _release_feedback(root, assignment, renamed)
    print_roster(root, assignment, renamed)
    return 0


# --- command line ------------------------------------------------------------------------------

def add_arguments(sub):
    sub.add_argument("action", choices=["start", "stop", "remove", "status", "grade", "feedback"])
    sub.add_argument("assignment", nargs="?", help="for grade and feedback: the assignment, e.g. 01_loss")
    sub.add_argument("--dir", help=f"the hub's folder (default {DEFAULT_DIR}, or $BACKPROP_LAB_HUB_DIR)")
    sub.add_argument("--ip", default="127.0.0.1", help="where the hub listens (default: this machine only)")
    sub.add_argument("--port", type=int, default=8000, help="the hub's port (default 8000)")
    sub.add_argument("--prefix", default=DEFAULT_PREFIX, help="prefix of the accounts' names (default bplab-)")
    sub.add_argument("--workers", type=int, help="for grade: notebooks run at once")


def main(root, args):
    if args.action == "start":
        settings, passwords = start(root, args.dir, args.prefix, args.ip, args.port)
        announce(settings, passwords)
    elif args.action == "stop":
        stop(args.dir)
    elif args.action == "remove":
        remove(args.dir)
    elif args.action == "status":
        status(args.dir)
    else:
        if not args.assignment:
            raise HubError(f"`hub {args.action}` needs an assignment, e.g. backprop-lab hub {args.action} 01_loss")
        return (grade if args.action == "grade" else feedback)(root, args.assignment, *(
            [args.workers] if args.action == "grade" else []))
    return 0


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "_release":
    _release(sys.argv[2:])
