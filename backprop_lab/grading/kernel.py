"""A minimal notebook kernel that lives inside a forked grading child.

It runs one cell at a time in an IPython shell and records what a Jupyter kernel would have sent
to the notebook: stream output, display data (including inline matplotlib figures), the
execute_result of a trailing expression, and errors in the kernel's format.
"""
import ast
import builtins
import copy
import io
import sys
from types import CodeType, MappingProxyType

from IPython.core.compilerop import CachingCompiler
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from ..checks import STUDENT_RAISED


class CellTimeoutError(Exception):
    """A cell ran longer than the grader's per-cell time limit."""


class StudentCodeError(Exception):
    """Base of exceptions raised by student code whose type is not a builtin one."""


BUILTIN_ERRORS = {name: cls for name, cls in vars(builtins).items()
                  if isinstance(cls, type) and issubclass(cls, Exception)}


# The errors the grader itself puts in a cell (their text is the grader's own, safe to show).
GRADER_ERROR = "GraderError"                 # the grader could not run the cell
INTEGRITY_ERROR = "GraderIntegrityError"     # the cell was not graded: tampering was seen
TIMEOUT_ERROR = CellTimeoutError.__name__
GRADER_ERRORS = frozenset({GRADER_ERROR, INTEGRITY_ERROR, TIMEOUT_ERROR})
TIMED_OUT = "the cell ran longer than the grader's time limit"
# What the integrity check beside student code found is student code's to write: it is a flag for
# the instructor, and students read only this.
TAMPERING_SEEN = "the grader's integrity check saw its machinery changed"
REPORTED_BY_STUDENT_PROCESS = "the integrity check in the student process reported: "


class CellOutputs:
    """The nbformat outputs of the cell being run, with a cap on how much it keeps (text and
    display data together; an error is always kept)."""

    def __init__(self, limit_bytes):
        self.items, self.limit, self.size, self.truncated = [], limit_bytes, 0, False

    def add(self, output):
        if output.get("output_type") in ("display_data", "execute_result"):
            size = sum(len(str(value)) for value in output.get("data", {}).values())
            if self.size + size > self.limit:
                self.truncated = True
                return
            self.size += size
        self.items.append(output)

    def stream(self, name, text):
        if self.size + len(text) > self.limit:
            text = text[: max(0, self.limit - self.size)]
            self.truncated = True
        self.size += len(text)
        if not text:
            return
        if self.items and self.items[-1].get("output_type") == "stream" and self.items[-1]["name"] == name:
            self.items[-1]["text"] += text
        else:
            self.items.append({"output_type": "stream", "name": name, "text": text})


class _Stream(io.TextIOBase):
    def __init__(self, kernel, name):
        self.kernel, self.name = kernel, name

    def writable(self):
        return True

    def write(self, text):
        self.kernel.outputs.stream(self.name, str(text))
        return len(text)


class _Publisher(DisplayPublisher):
    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        outputs = self.shell.grading_kernel.outputs
        outputs.add({"output_type": "display_data", "data": dict(data), "metadata": dict(metadata or {})})

    def clear_output(self, wait=False):
        self.shell.grading_kernel.outputs.items.clear()


class _DisplayHook(DisplayHook):
    """Records the value of a cell's trailing expression as an execute_result."""

    def start_displayhook(self):
        self._result = {"output_type": "execute_result", "execution_count": self.prompt_count,
                        "data": {}, "metadata": {}}

    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        self._result["data"], self._result["metadata"] = dict(format_dict), dict(md_dict or {})

    def finish_displayhook(self):
        self.shell.grading_kernel.outputs.add(self._result)


class _Compiler(CachingCompiler):
    """IPython's compiler, which takes what it would make of a cell every notebook runs from the
    tables Kernel.share_cells filled once in the parent: the parsed cell, and the code of each
    of its statements (renamed after the cell as this process numbers it)."""

    trees = MappingProxyType({})  # transformed source -> its module AST
    codes = MappingProxyType({})  # (id of a statement in those trees, mode, compiler flags) -> code

    def ast_parse(self, source, filename="<unknown>", symbol="exec"):
        tree = self.trees.get(source)
        if tree is None:
            return super().ast_parse(source, filename, symbol)
        return ast.Module(body=list(tree.body), type_ignores=[])  # IPython may add to the body list

    def __call__(self, source, filename, symbol, **kwargs):
        if not kwargs and isinstance(source, (ast.Module, ast.Interactive)) and len(source.body) == 1:
            code = self.codes.get((id(source.body[0]), symbol, self.flags))
            if code is not None:
                return _renamed(code, filename)
        return super().__call__(source, filename, symbol, **kwargs)


def _renamed(code: CodeType, filename: str) -> CodeType:
    """`code` and the code of every function or class defined in it, as compiled from `filename`."""
    consts = tuple(_renamed(const, filename) if isinstance(const, CodeType) else const for const in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


class _Shell(InteractiveShell):
    displayhook_class = _DisplayHook
    shared_transforms = MappingProxyType({})  # source -> transformed source (Kernel.share_cells)

    def transform_cell(self, raw_cell):
        shared = self.shared_transforms.get(raw_cell)
        return shared if shared is not None else super().transform_cell(raw_cell)

    def transform_ast(self, node):
        if self.ast_transformers:  # they may change the tree in place: never a shared one
            node = copy.deepcopy(node)
        return super().transform_ast(node)

    def should_run_async(self, raw_cell, *, transformed_cell=None, preprocessing_exc_tuple=None):
        # IPython compiles the whole cell to find a top-level await; none can be there without the word
        if transformed_cell is not None and "await" not in transformed_cell and "async" not in transformed_cell:
            return False
        return super().should_run_async(raw_cell, transformed_cell=transformed_cell,
                                        preprocessing_exc_tuple=preprocessing_exc_tuple)

    def init_display_pub(self):
        self.display_pub = _Publisher(shell=self, parent=self)
        self.configurables.append(self.display_pub)

    def enable_gui(self, gui=None):
        pass  # inline figures need no event loop

    def enable_matplotlib(self, gui=None):
        """`%matplotlib ...` in a student cell: the grader has fixed the backend already."""
        return None, "inline"

    def _showtraceback(self, etype, evalue, stb):
        # An error the test process rebuilt from student code's (remote.py) says so on its last line.
        mark = [STUDENT_RAISED] if getattr(evalue, "raised_by_student", False) is True else []
        self.grading_kernel.outputs.add({"output_type": "error", "ename": etype.__name__,
                                         "evalue": str(evalue), "traceback": list(stb) + mark})


class Kernel:
    def __init__(self, figures):
        self.outputs = CellOutputs(0)
        config = Config()
        config.HistoryManager.enabled = False  # no history thread: the parent must stay fork-safe
        self.shell = _Shell.instance(config=config, colors="NoColor", compiler_class=_Compiler)
        self.shell.grading_kernel = self
        # Plain Python tracebacks: IPython's context view costs ~50 ms per error, most of the run
        # time of a half-finished notebook; the error and its message are the same.
        self.shell.InteractiveTB.set_mode(mode="Plain")
        import matplotlib.pyplot as plt
        if figures:
            InteractiveShell.enable_matplotlib(self.shell, "inline")  # IPython's own: ours is a no-op
        else:  # as the inline backend does, but without rendering: drop figures after each cell
            self.shell.events.register("post_execute", lambda: plt.close("all"))
        # pyplot hooks itself into IPython on its first figure; do it now, before the snapshot
        # that tells student tampering from library set-up
        plt.close(plt.figure())
        # Traits that IPython fills lazily on the first cells, set before the snapshot too.
        for source in ("pass", "1", "1 / 0"):
            self.run(source, 0)
        self.shell.execution_count = 1

    def share_cells(self, sources) -> None:
        """Transform, parse and compile, once in the parent, cells that every notebook runs (locked
        and test cells): over the bench class, the test processes' CPU fell by a sixth to a quarter
        with their parsing and compiling done here. Only multi-line cells are transformed here:
        IPython transforms single lines depending on the namespace.
        Read-only from then on: student code can neither edit nor (unseen, guard.py watches both
        classes) replace the tables."""
        shell, compiler = self.shell, self.shell.compile
        transformed = {source: shell.transform_cell(source) for source in sources}
        shell.shared_transforms = MappingProxyType({
            source: cell for source, cell in transformed.items() if len(cell.splitlines()) > 1})
        trees, codes = {}, {}
        flags = compiler.flags | (ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if shell.autoawait else 0)  # as run_ast_nodes compiles
        for cell in transformed.values():
            try:
                tree = compiler.ast_parse(cell)
            except (SyntaxError, ValueError):
                continue  # the child reports it, as it would any cell
            trees[cell] = tree
            last = tree.body[-1] if tree.body else None
            for statement in tree.body:
                if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
                    continue  # it changes the compiler's flags: compiled where it runs
                modes = [("exec", ast.Module([statement], []))]
                if statement is last and isinstance(statement, ast.Expr):  # its value is shown (run_ast_nodes)
                    modes.append(("single", ast.Interactive([statement])))
                for mode, wrapped in modes:
                    try:
                        codes[id(statement), mode, flags] = compile(wrapped, "<shared cell>", mode, flags, True)
                    except (SyntaxError, ValueError):
                        pass  # compiled (and reported) where it runs
        _Compiler.trees, _Compiler.codes = MappingProxyType(trees), MappingProxyType(codes)

    def forward_output(self, output: dict) -> None:
        """An output of student code run on the test's behalf (checked by remote.py)."""
        if output["output_type"] == "stream":
            self.outputs.stream(output["name"], output["text"])
        else:
            self.outputs.add(output)

    def output_cut(self) -> None:
        """Student code run on the test's behalf printed more than the cell keeps."""
        self.outputs.truncated = True

    def attach(self) -> None:
        """Route print() and warnings into the cell's outputs (called in the child only)."""
        sys.stdout, sys.stderr = _Stream(self, "stdout"), _Stream(self, "stderr")

    @property
    def namespace(self) -> dict:
        return self.shell.user_ns

    def run(self, source: str, output_limit_bytes: int) -> tuple:
        """Run one cell, keeping at most `output_limit_bytes` of text; return
        (outputs, execution_count, truncated)."""
        self.outputs = CellOutputs(output_limit_bytes)
        self.succeeded = self.shell.run_cell(source, store_history=True).success
        return self.outputs.items, self.shell.execution_count - 1, self.outputs.truncated
