"""Which locked cells the test process runs as well.

Every locked cell runs in the student process, in its place, as in the notebook. The test process
runs one too when the tests may need it:
- it reads no name that only student cells define (imports, settings, helpers): it cannot call
  student code, and running it twice is cheap;
- or a later test cell, or a locked cell run for the tests, reads a name it binds.
A locked cell that uses student code and binds nothing the tests read (a demonstration, a plot of
the student's results) runs once, in the student process: running it again over the line would
run the student's code twice, which no notebook does.

The analysis reads the cells' syntax (Python's own scoping, symtable). Where a cell reads names it
cannot see (eval, globals(), a magic, a star import) or does not parse, every locked cell before
it runs for the tests.
"""
import ast
import builtins
import symtable
from collections.abc import Callable

from . import execute

# Names through which code reaches names it does not spell out.
DYNAMIC = frozenset({"globals", "locals", "vars", "eval", "exec", "get_ipython", "__import__", "dir",
                     "__builtins__", "__dict__"})
BUILTIN_NAMES = frozenset(dir(builtins))


class _Cell:
    """What one cell binds and reads from the namespace; `opaque` when that cannot be known."""

    def __init__(self, source: str):
        self.binds, self.reads, self.opaque = set(), set(), False
        try:
            self._block(ast.parse(source).body, set())
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            self.opaque = True
        self.opaque = self.opaque or bool(self.reads & DYNAMIC)

    def _block(self, statements, bound):
        """Statements run in order: a name read after a statement that surely bound it is not
        read from the namespace. `bound` grows with what this block binds for certain."""
        for statement in statements:
            if isinstance(statement, (ast.For, ast.AsyncFor)):
                self._code(statement.iter, bound)
                self._block([_binding(statement.target)] + statement.body, set(bound))
                self._block(statement.orelse, set(bound))
            elif isinstance(statement, (ast.If, ast.While)):
                self._code(statement.test, bound)
                self._block(statement.body, set(bound))
                self._block(statement.orelse, set(bound))
            elif isinstance(statement, (ast.With, ast.AsyncWith)):
                inside = set(bound)
                for item in statement.items:
                    self._code(item.context_expr, inside)
                    if item.optional_vars is not None:
                        self._block([_binding(item.optional_vars)], inside)
                self._block(statement.body, inside)
            elif isinstance(statement, (ast.Try, ast.TryStar)):
                self._block(statement.body + statement.orelse, set(bound))
                for handler in statement.handlers:
                    self._code(handler.type, bound)
                    caught = {handler.name} - {None}
                    self.binds |= caught
                    self._block(handler.body, set(bound) | caught)
                self._block(statement.finalbody, set(bound))
            elif isinstance(statement, ast.Match):
                self._code(statement, bound)  # what its cases bind is bound for certain in none of them
            else:
                if isinstance(statement, ast.ImportFrom) and any(a.name == "*" for a in statement.names):
                    self.opaque = True
                bound |= self._code(statement, bound)

    def _code(self, node, bound):
        """Record what one statement or expression reads and binds (Python's scoping: symtable);
        return what it binds."""
        if node is None:
            return set()
        reads, binds = set(), set()

        def visit(table):
            module = table.get_type() == "module"
            for symbol in table.get_symbols():
                name = symbol.get_name()
                if module or symbol.is_global():
                    if symbol.is_referenced():
                        reads.add(name)
                    if (module and (symbol.is_assigned() or symbol.is_imported())) or symbol.is_declared_global():
                        binds.add(name)
            for child in table.get_children():
                visit(child)

        visit(symtable.symtable(ast.unparse(node), "<cell>", "exec"))
        self.reads |= reads - bound
        self.binds |= binds
        return binds


def _binding(target):
    """`target = None`: what a loop or `with` binds, as a statement of its own."""
    return ast.Assign([target], ast.Constant(None), lineno=1)


def locked_cells_for_tests(cells: list, transform: Callable[[str], str], known: dict) -> frozenset:
    """Indices of the locked cells among `cells` ([(kind, source)]) that the test process runs.
    `transform` turns a cell into Python (IPython's magics); `known` remembers cells analysed."""

    def facts(source):
        cell = known.get(source)
        if cell is None:
            cell = known[source] = _Cell(transform(source))
        return cell

    defined = set(BUILTIN_NAMES)  # names the locked cells before each one bind
    uses_student = {}
    for index, (kind, source) in enumerate(cells):
        if kind == execute.LOCKED:
            cell = facts(source)
            uses_student[index] = bool(cell.reads - defined)
            defined |= cell.binds
    run, needed, everything = set(), set(), False
    for index in reversed(range(len(cells))):
        kind, source = cells[index]
        if kind not in (execute.LOCKED, execute.TEST):
            continue
        cell = facts(source)
        if kind == execute.LOCKED and not (everything or cell.opaque or not uses_student[index] or cell.binds & needed):
            continue
        if kind == execute.LOCKED:
            run.add(index)
        needed |= cell.reads
        everything = everything or cell.opaque
    return frozenset(run)
