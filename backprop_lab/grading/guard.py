"""Notice student code that changes what the tests rely on.

A snapshot taken in the warm parent (before any student code) records the objects that test cells
use: functions and classes of numpy, torch and backprop_lab, the builtins, the interpreter's and
IPython's hooks. Before and after every graded test cell the child compares the present state
with the snapshot; any difference voids that cell and flags the submission.
"""
import builtins
import sys
import threading
import types

WATCHED_MODULES = ["builtins", "math", "numpy", "numpy.linalg", "numpy.random", "numpy.testing",
                   "torch", "torch.nn", "torch.nn.functional", "torch.autograd", "backprop_lab",
                   "backprop_lab.checks", "backprop_lab.gradcheck", "backprop_lab.data"]
WATCHED_CLASSES = [("torch", "Tensor"), ("torch.nn", "Module"), ("torch.nn", "Linear")]
SYS_HOOKS = ["excepthook", "displayhook", "breakpointhook", "unraisablehook"]


def _function_parts(value):
    """What makes a Python function behave as it does (its identity alone can hide a new __code__)."""
    if isinstance(value, types.FunctionType):
        return (value.__code__, value.__defaults__, value.__kwdefaults__)
    return None


class Snapshot:
    def __init__(self, shell):
        self.modules = {name: sys.modules[name] for name in WATCHED_MODULES if name in sys.modules}
        self.contents = {name: dict(vars(module)) for name, module in self.modules.items()}
        self.parts = {(name, key): _function_parts(value) for name, contents in self.contents.items()
                      for key, value in contents.items() if _function_parts(value)}
        self.classes = {f"{m}.{c}": dict(vars(getattr(sys.modules[m], c)))
                        for m, c in WATCHED_CLASSES if m in sys.modules}
        self.hooks = {name: getattr(sys, name) for name in SYS_HOOKS}
        self.shell = shell
        self.shell_lists = self._shell_lists()
        self.threads = set(threading.enumerate())
        self.bindings = {}  # names bound by locked cells to watched objects -> those objects

    def _shell_lists(self):
        shell = self.shell
        return {"input_transformers_cleanup": list(shell.input_transformers_cleanup),
                "input_transformers_post": list(shell.input_transformers_post),
                "ast_transformers": list(shell.ast_transformers),
                **{f"events.{name}": list(callbacks) for name, callbacks in shell.events.callbacks.items()}}

    def remember_bindings(self, namespace):
        """After a locked cell: remember the names it bound to modules and library callables."""
        for name, value in namespace.items():
            if not name.startswith("_") and _is_library_object(value):
                self.bindings.setdefault(name, value)

    def changes(self, namespace):
        """Descriptions of everything that differs from the snapshot (empty when untouched)."""
        found = []
        for name, module in self.modules.items():
            if sys.modules.get(name) is not module:
                found.append(f"sys.modules[{name!r}] was replaced")
            current = vars(module)
            for key, value in self.contents[name].items():
                if current.get(key, _MISSING) is not value:
                    found.append(f"{name}.{key} was replaced or deleted")
                elif (name, key) in self.parts and _function_parts(value) != self.parts[(name, key)]:
                    found.append(f"the code of {name}.{key} was changed")
        for cls, contents in self.classes.items():
            module, _, attr = cls.rpartition(".")
            current = vars(getattr(sys.modules[module], attr))
            added = {key for key in set(current) - set(contents) if key.startswith("__")}
            if added or any(current.get(key, _MISSING) is not value for key, value in contents.items()):
                found.append(f"the class {cls} was modified")
        for name, hook in self.hooks.items():
            if getattr(sys, name) is not hook:
                found.append(f"sys.{name} was replaced")
        if sys.gettrace() is not None or sys.getprofile() is not None:
            found.append("a trace or profile function was installed")
        if self._shell_lists() != self.shell_lists:
            found.append("IPython input transformers, AST transformers or event callbacks were changed")
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
