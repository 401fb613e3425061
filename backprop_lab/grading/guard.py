"""Notice student code that changes what the tests rely on.

Defence in depth: the tests run in another process (remote.py), which student code cannot reach;
this names what a submission tried. A snapshot taken in the zygote (before any student code)
records the functions and classes of numpy, torch, backprop_lab and the grading modules, the
builtins, the interpreter's hooks, and the IPython shell with its display machinery. Before every
graded test cell the student process compares its present state with the snapshot; any difference
voids that cell and flags the submission. Identity is what is compared (a
replaced object is a different object), plus the code of every watched function (a function can
keep its identity and be given new code).

The watched modules and classes hold thousands of objects. Comparing them from Python writes the
reference count of each, and in a student process, forked from the zygote, every such write copies
a page the zygote shares: some 2,000 pages and 10 ms in the first check of each process. So each
check first reads, by address, words that change with them (Fingerprint); only when one of those
differs are the objects themselves compared.
"""
import builtins
import gc
import importlib
import itertools
import operator
import signal
import sys
import threading
import types

import numpy as np

WATCHED_MODULES = ["builtins", "math", "json", "os", "struct", "io", "numpy", "numpy.linalg", "numpy.random",
                   "numpy.testing", "torch", "torch.nn", "torch.nn.functional", "torch.autograd",
                   "backprop_lab", "backprop_lab.checks", "backprop_lab.gradcheck", "backprop_lab.data",
                   "backprop_lab.grading.execute", "backprop_lab.grading.kernel", "backprop_lab.grading.guard",
                   "IPython.core.interactiveshell", "traitlets.traitlets"]
WATCHED_CLASSES = [("torch", "Tensor"), ("torch.nn", "Module"), ("torch.nn", "Linear"),
                   ("backprop_lab.grading.kernel", "CellOutputs"), ("backprop_lab.grading.kernel", "_Stream"),
                   ("backprop_lab.grading.guard", "Snapshot")]
SYS_HOOKS = ["excepthook", "displayhook", "breakpointhook", "unraisablehook", "stdin", "__stdout__", "__stderr__"]
# Attributes of the shell's machinery that change in every honest cell.
VOLATILE = {"_last_input_line", "execution_count", "last_execution_result", "last_execution_succeeded",
            "_", "__", "___", "_result", "outputs", "succeeded"}


# What makes a Python function behave as it does (its identity alone can hide a new __code__).
_PARTS = operator.attrgetter("__code__", "__defaults__", "__kwdefaults__")


class _Seen:
    """A module's or a class's namespace as the snapshot saw it: its contents, and the parts of
    each of its Python functions. `unchanged` tells in one pass of C loops that nothing in it was
    replaced or deleted and that its functions kept their code (it runs for every graded cell of
    every notebook); `replaced` and `recoded` name what differs."""

    def __init__(self, namespace):
        self.namespace = namespace  # the dict itself, for its version tag (Fingerprint)
        self.contents = contents = dict(namespace)
        self.code = {key: _PARTS(value) for key, value in contents.items() if isinstance(value, types.FunctionType)}
        self._values, self._functions = list(contents.values()), [contents[key] for key in self.code]
        self._parts = list(self.code.values())

    def unchanged(self, current):
        return (all(map(operator.is_, map(current.get, self.contents, itertools.repeat(_MISSING)), self._values))
                and list(map(_PARTS, self._functions)) == self._parts)

    def replaced(self, current):
        """Keys whose value is another object or gone."""
        return [key for key, value in self.contents.items() if current.get(key, _MISSING) is not value]

    def recoded(self):
        """Keys of functions given new code, defaults or keyword defaults."""
        return [key for key, parts in self.code.items() if _PARTS(self.contents[key]) != parts]


def _state(obj):
    """An object's attributes and traitlets values, volatile ones left out."""
    values = {**vars(obj), **getattr(obj, "_trait_values", {})}
    return {key: value for key, value in values.items() if key not in VOLATILE and key != "_trait_values"}


class Snapshot:
    def __init__(self, kernel):
        shell = kernel.shell
        self.modules = {name: importlib.import_module(name) for name in WATCHED_MODULES}  # a missing one is an error
        self.seen = {name: _Seen(vars(module)) for name, module in self.modules.items()}
        classes = [getattr(self.modules.get(m) or importlib.import_module(m), c) for m, c in WATCHED_CLASSES]
        classes += [cls for obj in (shell, shell.display_pub, shell.displayhook, kernel, shell.events, shell.compile)
                    for cls in type(obj).__mro__ if cls.__module__ != "builtins"]
        self.classes = {f"{cls.__module__}.{cls.__qualname__}": cls for cls in classes}
        self.seen_classes = {name: _Seen(_class_dict(cls)) for name, cls in self.classes.items()}
        self.fingerprint = Fingerprint([*self.seen.values(), *self.seen_classes.values()])
        self.changed = set()  # in this check, the namespaces (_Seen) the fingerprint says may differ
        self.objects = {"the IPython shell": shell, "the display publisher": shell.display_pub,
                        "the display hook": shell.displayhook, "the grader's kernel": kernel,
                        "IPython's events": shell.events}
        self.object_states = {name: _state(obj) for name, obj in self.objects.items()}
        self.hooks = {name: getattr(sys, name) for name in SYS_HOOKS}
        self.lists = self._lists()
        self.threads = set(threading.enumerate())
        self.alarm = None  # the child's time-limit handler, once attached
        self.bindings = {}  # names bound by locked cells to watched objects -> those objects

    def _lists(self):
        shell = self.objects["the IPython shell"]
        return {"IPython's input transformers": list(shell.input_transformers_cleanup) + list(shell.input_transformers_post),
                "IPython's AST transformers": list(shell.ast_transformers),
                "IPython's event callbacks": {name: list(c) for name, c in shell.events.callbacks.items()},
                "the import system": list(sys.meta_path) + list(sys.path_hooks),
                "the garbage collector's callbacks": list(gc.callbacks)}

    def attached(self) -> None:
        """In the child, once the kernel has taken over the streams and the alarm: remember them."""
        self.hooks.update(stdout=sys.stdout, stderr=sys.stderr)
        self.alarm = signal.getsignal(signal.SIGALRM)

    def remember_bindings(self, namespace: dict) -> None:
        """After a locked cell: remember the names it bound to modules and library callables."""
        for name, value in namespace.items():
            if not name.startswith("_") and _is_library_object(value):
                self.bindings.setdefault(name, value)

    def changes(self, namespace: dict) -> list:
        """Descriptions of everything that differs from the snapshot (empty when untouched)."""
        self.changed = self.fingerprint.changed()
        found = [found for check in CHECKS for found in check(self, namespace)]
        if not found and self.changed:
            # not tampering: IPython adds and removes builtins around every cell, a module imports a submodule late
            self.fingerprint.retake()
        return found


class Fingerprint:
    """Words of memory that change when a watched namespace does (its dict's version tag, which
    CPython gives a new value on every insertion, replacement or deletion) or a watched function is
    given new code or defaults (its code, defaults and keyword defaults pointers), read by address
    in one NumPy gather: no reference to the objects, so no write to them. The snapshot holds every
    object read here, so no address is reused. Where this interpreter's layout is not the one
    assumed, every namespace counts as changed and every check compares the objects."""

    def __init__(self, seen: list):
        self.seen, addresses, owners = seen, [], []
        # a namespace that is not a dict has no version tag: it is compared every time
        self.always = {one for one in seen if type(one.namespace) is not dict}
        for number, one in enumerate(seen):
            words = [] if one in self.always else [id(one.namespace) + _DICT_VERSION]
            words += [id(function) + offset for function in one._functions for offset in _FUNCTION_PARTS]
            addresses += words
            owners += [number] * len(words)
        self.indices = _index(np.array(addresses, dtype=np.int64))
        self.owners = np.array(owners, dtype=np.int64)
        self.words = _read(self.indices) if _LAYOUT_HOLDS else None

    def changed(self) -> set:
        """The namespaces (_Seen) whose words differ from when they were taken. Only C methods of
        arrays and no builtins: student code may have replaced any Python function, and that is
        what the slow comparison then names."""
        if self.words is None:
            return set(self.seen)
        return self.always | {self.seen[number] for number in self.owners[_read(self.indices) != self.words].tolist()}

    def retake(self) -> None:
        if self.words is not None:
            self.words = _read(self.indices)


# ------------------------------------------------------------------ the checks, one per kind of state

def _modules(snapshot, namespace):
    for name, module in snapshot.modules.items():
        seen, current = snapshot.seen[name], vars(module)
        if sys.modules.get(name) is module and (seen not in snapshot.changed or seen.unchanged(current)):
            continue
        if sys.modules.get(name) is not module:
            yield f"sys.modules[{name!r}] was replaced"
        replaced = seen.replaced(current)
        yield from (f"{name}.{key} was replaced or deleted" for key in replaced)
        yield from (f"the code of {name}.{key} was changed" for key in seen.recoded() if key not in replaced)


def _classes(snapshot, namespace):
    for name, cls in snapshot.classes.items():
        seen, current = snapshot.seen_classes[name], vars(cls)
        if seen not in snapshot.changed or (len(current) == len(seen.contents) and seen.unchanged(current)):
            continue  # nothing replaced or deleted, so nothing added either
        added = {key for key in set(current) - set(seen.contents) if key.startswith("__")}
        if added or seen.replaced(current) or seen.recoded():
            yield f"the class {name} was modified"


def _shell_objects(snapshot, namespace):
    for name, obj in snapshot.objects.items():
        now, then = _state(obj), snapshot.object_states[name]
        if now.keys() != then.keys() or any(now[key] is not value for key, value in then.items()):
            yield f"{name} was modified"


def _interpreter_hooks(snapshot, namespace):
    for name, hook in snapshot.hooks.items():
        if getattr(sys, name) is not hook:
            yield f"sys.{name} was replaced"
    if snapshot.alarm is not None and signal.getsignal(signal.SIGALRM) is not snapshot.alarm:
        yield "the grader's time-limit signal handler was replaced"
    if sys.gettrace() is not None or sys.getprofile() is not None:
        yield "a trace or profile function was installed"
    if builtins.__dict__ is not vars(snapshot.modules["builtins"]):
        yield "builtins were replaced"


def _callback_lists(snapshot, namespace):
    for name, value in snapshot._lists().items():
        if value != snapshot.lists[name]:
            yield f"{name} were changed"


def _threads(snapshot, namespace):
    if set(threading.enumerate()) - snapshot.threads:
        yield "a background thread is running"


def _locked_bindings(snapshot, namespace):
    for name, value in snapshot.bindings.items():
        if namespace.get(name, _MISSING) is not value:
            yield f"the name {name!r} (set by a locked cell) was rebound"


# Every check the guard makes before a test cell. The other two layers: scan.py (the student's
# source, read by the grader before it runs) and sanitize.tampered_cells (locked cells edited).
CHECKS = (_modules, _classes, _shell_objects, _interpreter_hooks, _callback_lists, _threads, _locked_bindings)


_MISSING = object()


def _class_dict(cls):
    """The dict behind vars(cls), a read-only view made anew on each call (the view itself if
    it holds something else: a metaclass may define __dict__)."""
    view = vars(cls)
    inside = gc.get_referents(view)
    return inside[0] if len(inside) == 1 and type(inside[0]) is dict else view


class _AddressSpace:
    """This process's memory as read-only 8-byte words, from address 8 on (NumPy reads only what is indexed)."""
    __array_interface__ = {"shape": ((1 << 44) - 1,), "typestr": "<u8", "data": (8, True), "version": 3}


_WORDS = np.asarray(_AddressSpace())
_DICT_VERSION = 24                 # PyDictObject: refcount, type, ma_used, ma_version_tag
_FUNCTION_PARTS = (48, 56, 64)     # PyFunctionObject: refcount, type, globals, builtins, name, qualname, code, defaults, kwdefaults


def _index(address):
    """Where the word at `address` (or at each of an array of them) is in _WORDS."""
    return address // 8 - 1


def _read(indices):
    return _WORDS[indices]


def _word(address):
    return int(_WORDS[_index(address)])


def _layout_holds():
    """Whether this interpreter keeps those fields at those offsets."""
    def probe(a=0, *, b=0):
        pass
    namespace = {}
    version = _word(id(namespace) + _DICT_VERSION)
    namespace["key"] = probe
    return (_word(id(namespace) + _DICT_VERSION) != version
            and [_word(id(probe) + offset) for offset in _FUNCTION_PARTS]
            == [id(probe.__code__), id(probe.__defaults__), id(probe.__kwdefaults__)])


_LAYOUT_HOLDS = _layout_holds()
_LIBRARY_PREFIXES = ("numpy", "torch", "backprop_lab", "matplotlib", "math", "builtins", "IPython")


def _is_library_object(value):
    if isinstance(value, types.ModuleType):
        return True
    module = getattr(value, "__module__", None)
    return callable(value) and isinstance(module, str) and module.split(".")[0] in _LIBRARY_PREFIXES
