"""Read the student's cells, in the parent, for code that reaches for the grader's machinery.

The runtime guard (guard.py) shares its process with the student's code, so code that walks
frames, the garbage collector or raw file descriptors could in principle get around it. The
parent, which student code cannot touch, reads every student cell before it runs: a cell that
uses such a tool voids the test cells after it and the report names the line. None of these tools
has a use in a backprop exercise; everyday code (NumPy, torch, classes, loops, prints, plots,
`%matplotlib inline`, `model.eval()`) is never flagged.
"""
import ast
import functools
from collections.abc import Iterable

from IPython.core.inputtransformer2 import TransformerManager

MODULES = {"ctypes": "raw memory access", "_ctypes": "raw memory access", "mmap": "raw memory access",
           "gc": "the garbage collector's object lists", "inspect": "frame inspection",
           "builtins": "the builtins", "importlib": "a computed import", "signal": "signal handlers",
           "_thread": "raw threads"}
ATTRIBUTES = {"_getframe": "frame inspection", "f_back": "frame inspection", "f_locals": "frame inspection",
              "f_globals": "frame inspection", "tb_frame": "frame inspection", "gi_frame": "frame inspection",
              "cr_frame": "frame inspection", "__code__": "swapping a function's code",
              "__globals__": "a function's globals", "__closure__": "a function's closure",
              "cell_contents": "a function's closure", "__subclasses__": "walking the class tree",
              "__builtins__": "the builtins", "settrace": "a trace hook", "setprofile": "a profile hook",
              "addaudithook": "an audit hook", "set_custom_exc": "IPython's exception handler",
              "grading_kernel": "the grader's kernel", "run_cell": "IPython's cell runner",
              "showtraceback": "IPython's traceback display", "input_transformers_post": "IPython's input transformers",
              "input_transformers_cleanup": "IPython's input transformers",
              "ast_transformers": "IPython's AST transformers"}
NAMES = {"exec": "running generated code", "eval": "running generated code",
         "compile": "running generated code", "__import__": "a computed import", "__builtins__": "the builtins"}
OS_CALLS = {"write", "read", "fdopen", "dup", "dup2", "fork", "forkpty", "kill", "killpg", "pipe"}
LIBRARY_STATE = {"modules", "meta_path", "path_hooks", "stdout", "stderr", "stdin", "excepthook",
                 "displayhook", "__dict__"}
ALWAYS_LIBRARIES = {"np", "numpy", "torch", "nn", "F", "os", "sys", "plt", "math"}


def library_names(sources: Iterable[str]) -> set:
    """Names that the notebook's import statements bind (plus the usual aliases)."""
    return set(ALWAYS_LIBRARIES).union(*map(_imported_names, sources))


@functools.lru_cache(maxsize=4096)
def _imported_names(source):
    tree = _parse(source)
    return frozenset(alias.asname or alias.name.split(".")[0] for node in (ast.walk(tree) if tree else ())
                     if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names)


def escapes(source: str, libraries: set = ALWAYS_LIBRARIES) -> list:
    """Sorted [(line, what, code)] for every grader-escaping construct in one cell."""
    tree = _parse(source)
    if tree is None:
        return []
    return sorted({hit for node in ast.walk(tree) for hit in _node_escapes(node, libraries)})


def _node_escapes(node, libraries):
    line = getattr(node, "lineno", 0)
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        for module in modules:
            if module.split(".")[0] in MODULES:
                yield line, MODULES[module.split(".")[0]], f"import {module}"
    elif isinstance(node, ast.Name) and node.id in NAMES:
        yield line, NAMES[node.id], node.id
    elif isinstance(node, ast.Attribute):
        if node.attr in ATTRIBUTES:
            yield line, ATTRIBUTES[node.attr], ast.unparse(node)
        root = _root_name(node)
        if root == "os" and node.attr in OS_CALLS:
            yield line, "raw file descriptors and processes", ast.unparse(node)
        if root in libraries and node.attr in LIBRARY_STATE:
            yield line, "the interpreter's or a library's own state", ast.unparse(node)
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        if "/proc/" in node.value or "/dev/fd" in node.value:
            yield line, "the process's own descriptors", repr(node.value[:40])
        elif node.value in ATTRIBUTES or node.value in MODULES:
            yield line, ATTRIBUTES.get(node.value) or MODULES[node.value], repr(node.value)
    elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
        targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and _root_name(target) in libraries:
                yield line, "replacing part of a library", ast.unparse(target)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
        function, first = node.func.id, node.args[0]
        if function in {"setattr", "delattr"} and _root_name(first) in libraries:
            yield line, "replacing part of a library", ast.unparse(node)[:60]
        if function == "getattr" and _root_name(first) in libraries and len(node.args) > 1 \
                and not isinstance(node.args[1], ast.Constant):
            yield line, "a computed attribute of a library", ast.unparse(node)[:60]
        if function == "vars" and _root_name(first) in libraries:
            yield line, "the interpreter's or a library's own state", ast.unparse(node)[:60]
        if function == "open" and isinstance(first, ast.Constant) and isinstance(first.value, int):
            yield line, "raw file descriptors and processes", ast.unparse(node)[:60]


@functools.lru_cache(maxsize=4096)  # a notebook's locked and test cells are every student's
def _parse(source):
    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except (SyntaxError, ValueError):
        return None  # it cannot run either; the kernel reports the error


def _root_name(node):
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None
