"""Which lesson cells the grader may leave unrun: the names each cell reads and binds.

A lesson's illustration (a plot of three learning rates, a table of distances)
is run again for every student by stock ``nbgrader autograde``, though nothing
graded depends on it: in m03 such cells are most of the time a submission
takes. An author tags a code cell ``skip-when-grading`` to say "nothing later
uses what this cell does"; ``mlinterview check`` proves the claim on the
reference answers, and the grader proves it again on each submission before it
leaves the cell out (:func:`plan`). The cell may be left out only when, in that
submission's own sequence of cells:

- its text is the author's, unchanged;
- no later cell reads a name it binds before binding it again, and no function
  anywhere reads such a name when called (a test calls functions defined
  before);
- what it reads does not come from the learner's code (so it calls none of it:
  learner code a lesson cell would run is run, as it is by stock);
- no cell reaches the namespace by name (``globals()``, ``exec``, magics, the
  output history ``_``, a function's ``__globals__`` or a frame's), because then no
  reading of the text can tell. ``setattr(model, name, value)`` is not such a reach:
  it changes ``model``, as ``model.x = value`` does.

What names cannot show (a cell that draws from NumPy's global generator, sets
a pandas option or changes a list in place) is checked by running the
reference notebook: :func:`changes_of_tagged_cells`. Code that names the notebook's
module inside data (a pickle that loads ``__main__.x``) is beyond any reading of the text:
such a submission could fail where stock passes it, or pass where stock fails it.

Short of that, scores are unchanged by construction; the benchmark and the stock
comparison test check it cell by cell.
"""

from __future__ import annotations

import ast
import re
import symtable
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

SKIP_TAG = "skip-when-grading"

# a read of any of these reaches the namespace by name, so no reading of the text is sound
DYNAMIC_NAMES = frozenset({
    "globals", "locals", "vars", "dir", "exec", "eval", "compile", "__import__", "get_ipython",
    "__builtins__", "builtins", "__main__", "sys", "importlib", "inspect", "gc", "ctypes",
    "In", "Out", "_oh", "_ih", "_dh"})
# nor is it through these attributes: a function's globals, a frame's, an object's setter
DYNAMIC_ATTRIBUTES = frozenset({
    "__globals__", "__builtins__", "f_globals", "f_locals", "f_builtins", "f_back",
    "tb_frame", "gi_frame", "cr_frame", "ag_frame", "__setattr__", "__delattr__"})
# ``setattr(model, name, value)`` is ``model.<name> = value``: it changes ``model``, and
# reaches no namespace unless ``model`` is one (a module, reached only through the above)
SETTERS = frozenset({"setattr", "delattr"})
_HISTORY = re.compile(r"^(_+|_\d+|_i+|_i\d+)$")
_LAZY_SCOPES = ("function", "lambda")


@dataclass(frozen=True)
class Names:
    """The global names one cell may touch (over-approximated, so a guess errs towards running)."""

    reads: frozenset[str]       # read while the cell runs, in any order
    live_in: frozenset[str]     # of those, read before the cell surely binds them itself
    deferred: frozenset[str]    # read later, when a function or lambda the cell defines is called
    binds: frozenset[str]       # bound, rebound or deleted, surely or maybe
    definite: frozenset[str]    # surely bound by a top-level statement that always runs
    mutates: frozenset[str]     # objects it did not make, changed: ``x.a = 1``, ``x[0] = 1``
    dynamic: bool               # reaches names by string, imports *, or is not Python


def _transform(source: str) -> str:
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


@lru_cache(maxsize=4096)
def names_of(source: str) -> Names | None:
    """What the cell may read and bind; None if it does not compile (then IPython runs
    none of it, so it binds and reads nothing)."""
    try:
        tree = ast.parse(_transform(source))
    except (SyntaxError, ValueError):
        return None
    reads: set[str] = set()
    live_in: set[str] = set()
    deferred: set[str] = set()
    binds: set[str] = set()
    definite: set[str] = set()
    mutates: set[str] = set()
    dynamic = False
    for stmt in tree.body:
        now, later, bound = _scopes(stmt)
        if now is None:
            return Names(frozenset(), frozenset(), frozenset(), frozenset(), frozenset(),
                         frozenset(), True)
        reads |= now
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            # the body reads the loop's own variable only after the loop has bound it
            targets = {n.id for n in ast.walk(stmt.target) if isinstance(n, ast.Name)}
            outside = {n.id for part in (stmt.iter, *stmt.orelse) for n in ast.walk(part)
                       if isinstance(n, ast.Name)}
            now = now - (targets - outside)
        live_in |= now - definite
        deferred |= later
        binds |= bound
        changed: set[str] = set()
        called = {id(node.func): node for node in ast.walk(stmt) if isinstance(node, ast.Call)}
        for node in ast.walk(stmt):
            if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                dynamic = True
            if isinstance(node, ast.Attribute) and node.attr in DYNAMIC_ATTRIBUTES:
                dynamic = True
            if isinstance(node, ast.Name) and node.id in SETTERS:
                changes = _set_by_name(called.get(id(node)))
                if changes is None:  # passed on, or setting something not named: no telling
                    dynamic = True
                else:
                    changed.add(changes)
            if isinstance(node, (ast.Attribute, ast.Subscript)) and \
                    isinstance(node.ctx, (ast.Store, ast.Del)):
                base = node.value
                while isinstance(base, (ast.Attribute, ast.Subscript)):
                    base = base.value
                if isinstance(base, ast.Name):
                    changed.add(base.id)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Del):
                binds.add(node.id)
        mutates |= changed - definite  # an object the cell made itself is its own business
        definite |= _definite(stmt)
    read = reads | deferred  # ``_, x = pair`` binds ``_``; only reading it reads the history
    dynamic = dynamic or bool((read | binds) & DYNAMIC_NAMES) or \
        any(_HISTORY.match(name) for name in read)
    return Names(frozenset(reads), frozenset(live_in), frozenset(deferred), frozenset(binds),
                 frozenset(definite), frozenset(mutates), dynamic)


def _set_by_name(call: ast.Call | None) -> str | None:
    """The name whose object ``setattr(x.y, ...)`` or ``delattr(x, ...)`` changes (``x``),
    or None when the call is not of that form."""
    if call is None or not call.args or isinstance(call.args[0], ast.Starred):
        return None
    base = call.args[0]
    while isinstance(base, (ast.Attribute, ast.Subscript)):
        base = base.value
    return base.id if isinstance(base, ast.Name) else None


def _scopes(stmt: ast.stmt) -> tuple[set[str] | None, set[str], set[str]]:
    """(global names read now, read later, bound) by one top-level statement, from Python's
    own scope analysis (``symtable``): a function's locals are not globals."""
    try:
        table = symtable.symtable(ast.unparse(stmt), "<cell>", "exec")
    except SyntaxError:  # e.g. ``nonlocal`` at top level: it would not have compiled
        return None, set(), set()
    now, later, bound = set(), set(), set()
    for sym in table.get_symbols():
        if sym.is_referenced():
            now.add(sym.get_name())
        if sym.is_assigned() or sym.is_imported() or sym.is_declared_global():
            bound.add(sym.get_name())

    def visit(child, lazy: bool) -> None:
        kind = child.get_type()
        kind = getattr(kind, "value", kind)  # an enum from Python 3.13
        lazy = lazy or kind in _LAZY_SCOPES and child.get_name() not in (
            "listcomp", "setcomp", "dictcomp")
        for sym in child.get_symbols():
            if sym.is_global() and sym.is_referenced():
                (later if lazy else now).add(sym.get_name())
                if child.get_name() == "genexpr":  # runs now or later: both
                    now.add(sym.get_name())
                    later.add(sym.get_name())
            if sym.is_declared_global() and sym.is_assigned():
                bound.add(sym.get_name())
        for grandchild in child.get_children():
            visit(grandchild, lazy)

    for child in table.get_children():
        visit(child, False)
    return now, later, bound


def _definite(stmt: ast.stmt) -> set[str]:
    """Names a top-level statement binds whenever it completes (not in a loop or branch)."""
    out: set[str] = set()
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    out.add(node.id)
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None \
            and isinstance(stmt.target, ast.Name):
        out.add(stmt.target.id)
    elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        out.add(stmt.name)
    elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
        out |= {(a.asname or a.name).split(".")[0] for a in stmt.names if a.name != "*"}
    return out


@dataclass
class Plan:
    """For one sequence of cells: which to leave out, and why each tagged cell is run."""

    skip: set[int] = field(default_factory=set)
    reasons: dict[int, str] = field(default_factory=dict)  # tagged cell index -> why it runs


def plan(sources: Sequence[str], tagged: Iterable[str], authored: Iterable[str]) -> Plan:
    """Which cells of ``sources`` (the code cells a grader is about to run, in order) may
    be left out. ``tagged``: the texts of the author's ``skip-when-grading`` cells;
    ``authored``: the texts of every cell the author wrote that is not an answer (lesson
    cells, hidden-test cells). Any other text is the learner's."""
    tagged, authored = set(tagged), set(authored)
    result = Plan()
    candidates = [i for i, s in enumerate(sources) if s in tagged]
    if not candidates:
        return result
    info = [names_of(s) for s in sources]
    dynamic = [i for i, n in enumerate(info) if n is not None and n.dynamic]
    if dynamic:
        for i in candidates:
            result.reasons[i] = f"cell {dynamic[0] + 1} reaches names by string (globals(), " \
                                "exec, a magic, the output history)"
        return result
    called_later = set().union(*(n.deferred for n in info if n is not None))
    learners: set[str] = set()  # names whose values may come from the learner's code
    for i, (source, names) in enumerate(zip(sources, info)):
        if names is None:
            continue
        if i in candidates:
            why = _why_needed(i, names, info, called_later, learners, set(candidates))
            if why is None:
                result.skip.add(i)
                continue
            result.reasons[i] = why
        if source not in authored or names.live_in & learners:  # the learner's, or made from it
            learners |= names.binds | names.mutates
    return result


def _why_needed(i: int, names: Names, info: list, called_later: set[str], learners: set[str],
                candidates: set[int]) -> str | None:
    from_learner = names.live_in & learners
    if from_learner:
        return f"it reads {_some(from_learner)}, which the learner's code binds or changes"
    if names.mutates:
        return f"it changes {_some(names.mutates)} in place"
    if names.binds & called_later:
        return f"a function reads {_some(names.binds & called_later)} when called"
    pending = set(names.binds)
    for j in range(i + 1, len(info)):
        later = info[j]
        if later is None or not pending:
            continue
        used = pending & later.live_in
        if used:
            return f"cell {j + 1} reads {_some(used)}"
        if j not in candidates:  # a cell that may itself be left out rebinds nothing
            pending -= later.definite
    return None


def _some(names: set[str]) -> str:
    shown = sorted(names)
    return ", ".join(f"`{n}`" for n in shown[:3]) + (" ..." if len(shown) > 3 else "")


# --------------------------------------------------------------------------- reference check

_STATE = """
def _mlinterview_state(ns):
    import io, os, pickle, random, sys, warnings, hashlib
    out = {}
    class Canonical(pickle.Pickler):
        # a pandas object by what it holds: its pickle also holds caches that its dtype
        # fills in when first used anywhere (Int64Dtype's itemsize), which change nothing
        def reducer_override(self, obj):
            pd = sys.modules.get("pandas")
            if pd is None or not isinstance(obj, (pd.DataFrame, pd.Series, pd.Index)):
                return NotImplemented
            try:
                rows = pd.util.hash_pandas_object(obj, index=not isinstance(obj, pd.Index))
            except (TypeError, ValueError):
                return NotImplemented
            frame = isinstance(obj, pd.DataFrame)
            return tuple, ((type(obj).__name__, rows.to_numpy().tobytes(),
                            repr(list(obj.columns) if frame else [obj.name]),
                            repr([str(t) for t in (obj.dtypes if frame else [obj.dtype])]),
                            repr(getattr(obj, "index", obj).names), repr(getattr(obj, "attrs", {}))),)
    def dumps(value):
        buf = io.BytesIO()
        Canonical(buf, protocol=5).dump(value)
        return buf.getvalue()
    def digest(value):
        try:
            first = hashlib.sha256(dumps(value)).hexdigest()
            again = hashlib.sha256(dumps(value)).hexdigest()
        except Exception:
            return None
        return first if first == again else None  # a figure pickles differently each time
    for name, value in list(ns.items()):
        if name.startswith("_") or name in ("In", "Out", "exit", "quit", "get_ipython"):
            continue
        if type(value).__name__ == "module":
            continue
        out["name " + name] = (value, digest(value))  # held, so no new object reuses its id
    out["random"] = digest(random.getstate())
    out["environ"] = digest(dict(os.environ))
    out["cwd"] = os.getcwd()
    out["sys.path"] = list(sys.path)
    out["warnings"] = repr(warnings.filters)
    if "numpy" in sys.modules:
        np = sys.modules["numpy"]
        out["numpy.random"] = digest(np.random.get_state())
        out["numpy.errstate"] = repr(np.geterr())
        out["numpy.printoptions"] = repr(np.get_printoptions())
    if "pandas" in sys.modules:
        out["pandas.options"] = repr(sys.modules["pandas"]._config.config._global_config)
    if "matplotlib" in sys.modules:
        mpl = sys.modules["matplotlib"]
        out["matplotlib.rcParams"] = repr(dict(mpl.rcParams))
        if "matplotlib.pyplot" in sys.modules:
            out["open figures"] = repr(sys.modules["matplotlib.pyplot"].get_fignums())
    return out
"""


def changes_of_tagged_cells(sources: Sequence[str], tagged: Iterable[str]) -> dict[int, list[str]]:
    """Run ``sources`` in order in a fresh IPython shell of this process and return, for
    each tagged cell, what it changed that names cannot show: a name bound before it whose
    value it changed (or rebound), the global random generators, warning filters, NumPy,
    pandas and matplotlib settings, the environment, the working folder. Call it in a
    process of its own (the cells run here), after importing what the kernel factory
    imports before it forks a kernel (:func:`mlinterview.grading.runner.kernel_modules`):
    a first import changes warning filters, which in a kernel it never does."""
    from mlinterview.grading.kernel import Shell

    tagged = set(tagged)
    shell = Shell()
    ns = shell.user_ns
    exec(_STATE, ns)  # noqa: S102 - our own snapshot code
    snap = ns.pop("_mlinterview_state")
    changes: dict[int, list[str]] = {}
    for i, source in enumerate(sources):
        before = snap(ns) if source in tagged else None
        shell.run(source, i + 1)
        if before is not None:
            after = snap(ns)
            changes[i] = sorted(key for key in before if _changed(key, before[key], after.get(key)))
    return changes


def _changed(key: str, before, after) -> bool:
    if not key.startswith("name "):
        return before != after
    if after is None:
        return True  # deleted
    (value_before, digest_before), (value_after, digest_after) = before, after
    # rebinding a name is for the name analysis to judge; changing the object it named is not
    return value_before is value_after and digest_before is not None \
        and digest_before != digest_after
