"""Notice student code that changes what the tests rely on.

A snapshot taken in the warm parent (before any student code) records what test cells and the
grader's own kernel use: the functions and classes of numpy, torch, backprop_lab and the grading
modules, the builtins, the interpreter's hooks, and the IPython shell with its display machinery.
Before and after every graded test cell the child compares the present state with the snapshot;
any difference voids that cell and flags the submission. Identity is what is compared (a
replaced object is a different object), plus the code of every watched function (a function can
keep its identity and be given new code).
"""
import builtins
import gc
import itertools
import operator
import signal
import sys
import threading
import types

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
            "_", "__", "___", "_result", "outputs"}


def _function_parts(value):
    """What makes a Python function behave as it does (its identity alone can hide a new __code__)."""
    if isinstance(value, types.FunctionType):
        return (value.__code__, value.__defaults__, value.__kwdefaults__)
    return None


def _code_of(contents):
    """{name: _function_parts} for the Python functions among a module's or a class's contents."""
    return {key: parts for key, value in contents.items() if (parts := _function_parts(value))}


class _Seen:
    """A module's or a class's namespace as the snapshot saw it, with a quick test that nothing in
    it was replaced or deleted and that its functions kept their code (loops run in C: the test
    runs twice per graded cell of every notebook)."""

    def __init__(self, contents):
        self.keys, self.values = list(contents), list(contents.values())
        self.functions = [value for value in self.values if isinstance(value, types.FunctionType)]
        self.parts = list(map(_PARTS, self.functions))

    def unchanged(self, current):
        return (all(map(operator.is_, map(current.get, self.keys, itertools.repeat(_MISSING)), self.values))
                and list(map(_PARTS, self.functions)) == self.parts)


_PARTS = operator.attrgetter("__code__", "__defaults__", "__kwdefaults__")  # as _function_parts


def _state(obj):
    """An object's attributes and traitlets values, volatile ones left out."""
    values = {**vars(obj), **getattr(obj, "_trait_values", {})}
    return {key: value for key, value in values.items() if key not in VOLATILE and key != "_trait_values"}


class Snapshot:
    def __init__(self, kernel):
        shell = kernel.shell
        self.modules = {name: sys.modules[name] for name in WATCHED_MODULES if name in sys.modules}
        self.contents = {name: dict(vars(module)) for name, module in self.modules.items()}
        self.parts = {name: _code_of(contents) for name, contents in self.contents.items()}
        classes = [getattr(sys.modules[m], c) for m, c in WATCHED_CLASSES if m in sys.modules]
        classes += [cls for obj in (shell, shell.display_pub, shell.displayhook, kernel, shell.events)
                    for cls in type(obj).__mro__ if cls.__module__ != "builtins"]
        self.classes = {f"{cls.__module__}.{cls.__qualname__}": (cls, dict(vars(cls))) for cls in classes}
        self.class_parts = {name: _code_of(contents) for name, (_, contents) in self.classes.items()}
        self.seen = {name: _Seen(contents) for name, contents in self.contents.items()}
        self.seen_classes = {name: _Seen(contents) for name, (_, contents) in self.classes.items()}
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

    def attached(self):
        """In the child, once the kernel has taken over the streams and the alarm: remember them."""
        self.hooks.update(stdout=sys.stdout, stderr=sys.stderr)
        self.alarm = signal.getsignal(signal.SIGALRM)

    def remember_bindings(self, namespace):
        """After a locked cell: remember the names it bound to modules and library callables."""
        for name, value in namespace.items():
            if not name.startswith("_") and _is_library_object(value):
                self.bindings.setdefault(name, value)

    def changes(self, namespace):
        """Descriptions of everything that differs from the snapshot (empty when untouched)."""
        found = []
        for name, module in self.modules.items():
            if sys.modules.get(name) is module and self.seen[name].unchanged(vars(module)):
                continue
            if sys.modules.get(name) is not module:
                found.append(f"sys.modules[{name!r}] was replaced")
            current = vars(module)
            for key, value in self.contents[name].items():
                if current.get(key, _MISSING) is not value:
                    found.append(f"{name}.{key} was replaced or deleted")
                elif key in self.parts[name] and _function_parts(value) != self.parts[name][key]:
                    found.append(f"the code of {name}.{key} was changed")
        for name, (cls, contents) in self.classes.items():
            current = vars(cls)
            if len(current) == len(contents) and self.seen_classes[name].unchanged(current):
                continue  # nothing replaced or deleted, so nothing added either
            added = {key for key in set(current) - set(contents) if key.startswith("__")}
            if added or any(current.get(key, _MISSING) is not value for key, value in contents.items()) \
                    or any(_function_parts(contents[key]) != parts for key, parts in self.class_parts[name].items()):
                found.append(f"the class {name} was modified")
        for name, obj in self.objects.items():
            now, then = _state(obj), self.object_states[name]
            if now.keys() != then.keys() or any(now[key] is not value for key, value in then.items()):
                found.append(f"{name} was modified")
        for name, hook in self.hooks.items():
            if getattr(sys, name) is not hook:
                found.append(f"sys.{name} was replaced")
        if self.alarm is not None and signal.getsignal(signal.SIGALRM) is not self.alarm:
            found.append("the grader's time-limit signal handler was replaced")
        if sys.gettrace() is not None or sys.getprofile() is not None:
            found.append("a trace or profile function was installed")
        for name, value in self._lists().items():
            if value != self.lists[name]:
                found.append(f"{name} were changed")
        if set(threading.enumerate()) - self.threads:
            found.append("a background thread is running")
        for name, value in self.bindings.items():
            if namespace.get(name, _MISSING) is not value:
                found.append(f"the name {name!r} (set by a locked cell) was rebound")
        if builtins.__dict__ is not vars(self.modules["builtins"]):
            found.append("builtins were replaced")
        return found


_MISSING = object()
_LIBRARY_PREFIXES = ("numpy", "torch", "backprop_lab", "matplotlib", "math", "builtins", "IPython")


def _is_library_object(value):
    if isinstance(value, types.ModuleType):
        return True
    module = getattr(value, "__module__", None)
    return callable(value) and isinstance(module, str) and module.split(".")[0] in _LIBRARY_PREFIXES
