"""The SQL side of the checks: run a learner's query on DuckDB and compare it with a reference.

A query cannot change what another part (or another dataset of the same
check) sees. A query with any statement other than SELECT runs on a
*fresh* DuckDB instance holding a copy of the given tables: ``DROP TABLE
orders`` or ``DELETE FROM customers`` only touches that run's private copy,
which is thrown away. A query made only of SELECTs cannot change a table,
so it reads a copy shared with the other SELECT-only queries on the same
data (same names, columns, types, rows in the same order): copying the
tables was most of a query's cost.

Under ``mlinterview grade`` a hidden test runs the learner's query in the
grader, not in the learner's process, where their code could forge the
result; DuckDB reads no file there, loads no extension, has a memory limit
and is interrupted after ``budget_seconds``.

A query that DuckDB rejects raises :class:`checks.CheckFailed` whose message
is DuckDB's own, followed by the learner's query with line numbers and the
failing position marked, never a Python traceback::

    ANTI_JOIN_SQL: DuckDB could not run your query.
    Binder Error: Referenced column "nam" not found in FROM clause!
       1 | SELECT customer_id, nam
         |                     ^^^
       2 | FROM customers

Hidden tests are declarations, like :func:`checks.expect`::

    sql.expect_query("ANTI_JOIN_SQL", datasets=m06.variations(seed=3),
                     reference=m06.never_ordered_reference)
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import functools
import hashlib
import itertools
import os
import pickle
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

from . import checks
from .checks import CheckFailed, NotAttempted

__all__ = ["check_query", "connect", "expect_query", "format_error", "run"]

Tables = Mapping[str, pd.DataFrame]

_LINE_RE = re.compile(r"^LINE (\d+): (.*)$")
_MAX_SHOWN_LINES = 40
_MAX_MESSAGE_LINES = 6


_BASE: list = []  # this process's DuckDB instance for the shared read-only copies
_RUNS = itertools.count()
MEMORY_LIMIT = "1GB"  # a query's working memory: a cross join of everything fails, cleanly
MAX_ROWS = 1_000_000  # a result larger than any question's answer is refused, not collected


def _instance():
    """A new in-memory DuckDB instance, locked down (opening one costs ~15 ms)."""
    import duckdb

    # a query reads the tables it is given and nothing else: no files (read_csv,
    # COPY ... TO, ATTACH), no extensions; and it cannot switch that back on. The
    # course's tables are small: one thread for a query is faster, and leaves the other
    # cores to the other students a grader runs side by side. (DuckDB still starts
    # background threads for an open database; they end when it is closed.)
    return duckdb.connect(":memory:", config={
        "threads": 1, "memory_limit": MEMORY_LIMIT, "enable_external_access": False,
        "lock_configuration": True})


def _base():
    if not _BASE:
        _BASE.append(_instance())
    return _BASE[0]


class Database:
    """A copy of ``tables`` for one query, on a connection no other query is using (its
    settings die with it, or nothing a SELECT may do has touched them: see ``close``).

    A query that may write (``read_only`` false) gets a DuckDB instance of its own,
    closed afterwards: nothing it creates, drops or changes, in any schema, reaches
    the caller's data or any other query. A query that only reads gets a schema of
    this process's shared instance, holding a copy shared with the other read-only
    queries on equal tables."""

    def __init__(self, tables: Tables, read_only: bool = False):
        key = _key_of(tables) if read_only else None  # one that may write: its own instance
        self.private = key is None
        self.instance = _instance() if self.private else None
        if key is not None and key in _SHARED:
            _SHARED.move_to_end(key)
            self.schema = _SHARED[key]
            idle = _IDLE.get(self.schema)
            if idle:  # a connection a finished query on these tables left, set up for them
                self.con = idle.pop()
                return
            self.con = _base().cursor()
        else:
            self.con = self.instance.cursor() if self.private else _base().cursor()
            self.schema = f"mlinterview_run_{next(_RUNS)}"
            self.con.execute(f'CREATE SCHEMA "{self.schema}"')
            for name, df in tables.items():
                # copied into a real table (not a view on the DataFrame), so that the
                # query may even modify it without reaching the caller's data
                try:
                    self.con.register("__mlinterview_source", df)
                except Exception:  # noqa: BLE001 - DuckDB cannot scan some views (reversed rows)
                    self.con.register("__mlinterview_source", df.copy())
                self.con.execute(f'CREATE TABLE "{self.schema}"."{name}" AS '
                                 f'SELECT * FROM __mlinterview_source')
                self.con.unregister("__mlinterview_source")
            if key is not None:
                _SHARED[key] = self.schema
                while len(_SHARED) > _MAX_SHARED:
                    _drop(_SHARED.popitem(last=False)[1])
        self.con.execute(f'SET search_path = "{self.schema}"')

    def execute(self, query: str):
        return self.con.execute(query)

    def interrupt(self) -> None:
        self.con.interrupt()

    def close(self, reusable: bool = False) -> None:
        """Done with it. A query that only read shared tables, ran to its end and was never
        interrupted (``reusable``) leaves its connection for the next query on the same
        tables: setting one up (``SET search_path``) cost half a millisecond a query, and a
        submission of m06 runs 60. A SELECT-only query changes nothing on its connection
        (the configuration is locked, and it creates nothing) but ``setseed()``'s state
        for ``random()``: ``run`` never passes on a connection such a query used."""
        if reusable and not self.private and self.schema in _SHARED.values():
            idle = _IDLE.setdefault(self.schema, [])
            if len(idle) < 2:
                idle.append(self.con)
                return
        self.con.close()
        if self.instance is not None:
            self.instance.close()


_SHARED: collections.OrderedDict[tuple, str] = collections.OrderedDict()  # content -> schema
_MAX_SHARED = 32  # the course's tables are small; the least recently used go first
_IDLE: dict[str, list] = {}  # schema -> connections set up for it, no query running


def _drop(schema: str) -> None:
    for con in _IDLE.pop(schema, []):
        con.close()
    with contextlib.suppress(Exception):
        _base().execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _content_key(tables: Tables) -> tuple | None:
    """What makes two sets of tables the same database: names, columns, types and every
    value in row order (the pickle of each table, hashed: three times faster here than
    hashing column by column). None when a table does not pickle.

    Equal tables may pickle differently (a text repeated as one object, or as two): that
    costs a copy, never a wrong answer, as different tables never pickle the same."""
    key = []
    try:
        for name, df in sorted(tables.items()):
            data = pickle.dumps(df, protocol=5)
            key.append((name, hashlib.blake2b(data, digest_size=16).hexdigest()))
    except Exception:  # noqa: BLE001 - anything that does not pickle gets a private copy
        return None
    return tuple(key)


class Dataset(dict):
    """Tables (name -> DataFrame) with the key of their content (:func:`_content_key`),
    worked out once. A hidden test hands each dataset to the reference (which a grader
    memoises by that key, not by pickling the tables again) and to the learner's query
    (whose shared copy of the tables is found by it). Made just before that use: its
    tables are not changed afterwards."""

    def __init__(self, tables: Tables, content_key: tuple | None):
        super().__init__(tables)
        self.content_key = content_key

    @classmethod
    def of(cls, tables: Tables) -> Dataset:
        """``tables`` with their key, worked out now."""
        return cls(tables, _content_key(tables))


def _key_of(tables: Tables) -> tuple | None:
    """The content key of ``tables``: a Dataset's own, worked out once, else worked out now."""
    return tables.content_key if isinstance(tables, Dataset) else _content_key(tables)


def connect(tables: Tables, read_only: bool = False) -> Database:
    """A database holding a copy of each table (see :class:`Database`)."""
    return Database(tables, read_only)


def format_error(query: str, message: str, what: str | None = None) -> str:
    """DuckDB's message, then the whole query with the failing position marked.

    ``message`` is DuckDB's error for ``query.lstrip()`` (what :func:`run` executes).

    DuckDB ends a message with ``LINE n: <that line, maybe cut>`` and a
    caret line; that pair is replaced by the full query, numbered, with the
    carets under the failing line.
    """
    lines = message.rstrip().splitlines()
    line_no, column, width = None, None, 1
    for i, text in enumerate(lines):
        m = _LINE_RE.match(text)
        if m and i + 1 < len(lines) and lines[i + 1].lstrip().startswith("^"):
            line_no = int(m.group(1))
            prefix = len(text) - len(m.group(2))
            caret = lines[i + 1]
            offset = len(caret) - len(caret.lstrip()) - prefix
            width = len(caret.strip())
            line_no, column = _locate(query, line_no, m.group(2), offset)
            lines = lines[:i] + lines[i + 2:]
            break
    head_lines = [t for t in lines if t.strip()]
    if len(head_lines) > _MAX_MESSAGE_LINES:  # e.g. a list of every overload of "+"
        head_lines = head_lines[:_MAX_MESSAGE_LINES] + ["\t..."]
    head = "\n".join(head_lines)
    body = _numbered(query, line_no, column, width)
    name = f"{what}: " if what else ""
    return f"{name}DuckDB could not run your query.\n{head}\n{body}"


def _locate(query: str, line_no: int, shown: str, offset: int) -> tuple[int | None, int | None]:
    """The (line, column) of ``query`` that DuckDB's ``LINE n: <shown>`` caret points at.

    DuckDB was given ``query.lstrip()`` (with leading whitespace its binder
    marks the wrong character), and cuts long lines with '...'; both are
    mapped back to the learner's own text.
    """
    text = query.lstrip()
    lines = text.split("\n")
    if not 1 <= line_no <= len(lines) or offset < 0:
        return None, None
    cut = 3 if shown.startswith("...") else 0
    core = shown[cut:].removesuffix("...")
    start = lines[line_no - 1].find(core[:60]) if core else 0
    if start < 0:
        return None, None
    pos = len(query) - len(text)
    pos += sum(len(line) + 1 for line in lines[:line_no - 1]) + start + offset - cut
    before = query[:pos]
    return before.count("\n") + 1, pos - (before.rfind("\n") + 1)


def _numbered(query: str, line_no: int | None, column: int | None, width: int) -> str:
    # numbered as DuckDB counts (from the string's first line), blank edges left out
    shown = list(enumerate(query.splitlines(), start=1))
    while shown and not shown[0][1].strip():
        shown.pop(0)
    while shown and not shown[-1][1].strip():
        shown.pop()
    if line_no is not None and len(shown) > _MAX_SHOWN_LINES:
        lo = max(0, line_no - shown[0][0] - _MAX_SHOWN_LINES // 2)
        shown = shown[lo:lo + _MAX_SHOWN_LINES]
    else:
        shown = shown[:_MAX_SHOWN_LINES]
    pad = len(str(shown[-1][0])) if shown else 1
    out = []
    for n, text in shown:
        out.append(f"  {n:>{pad}} | {text}")
        if n == line_no and column is not None:
            out.append(f"  {'':>{pad}} | {' ' * column}{'^' * max(width, 1)}")
    return "\n".join(out)


# Not in the learner's process: under ``mlinterview grade`` a hidden test runs the learner's query
# here, in the grader. The query is only text (fetched from the kernel as data), and
# DuckDB is locked down (no files, no extensions, a memory limit, an interrupt);
# running it in the learner's process would let their code forge its result.
def run(query: str, tables: Tables, *, what: str | None = None,
        budget_seconds: float | None = 20) -> pd.DataFrame:
    """The result of ``query`` on a database holding ``tables``, as a DataFrame: a fresh
    copy of them, or for a query made only of SELECTs a shared one (see the module's note).

    Raises :class:`checks.CheckFailed` when the query is not a string, when
    DuckDB rejects it (message + marked query), when it returns no result set
    (a statement such as ``DROP TABLE`` alone), or when it runs longer than
    ``budget_seconds`` (a runaway cross join).
    """
    import duckdb

    w = what or "your query"
    if not isinstance(query, str) or not query.strip():
        raise CheckFailed(f"{w}: expected the query as a non-empty string, got {checks.show(query)}")
    try:
        kinds = _statement_kinds(query.lstrip())
    except duckdb.Error as exc:
        raise CheckFailed(format_error(query, str(exc), what=w)) from None
    if not kinds or kinds[-1] != duckdb.StatementType.SELECT:
        raise CheckFailed(f"{w}: the query returns no rows (its last statement is not a "
                          f"SELECT); end it with the SELECT that answers the question")
    cell = checks._cell_deadline
    if cell is not None and cell.left() <= 0:
        raise checks.TooSlow(f"{w}: the test cell's time limit was reached before it ran")
    # both limits forgive the time the query waited for a CPU other work kept busy
    clocks = {"cell": cell, "budget": checks.WaitForgivingDeadline(budget_seconds)
              if budget_seconds else None}
    clocks = {k: c for k, c in clocks.items() if c is not None}
    spent = time.process_time()
    con = connect(tables, read_only=all(k == duckdb.StatementType.SELECT for k in kinds))
    watch = _Watch(clocks, con)
    watchdog = _watchdog() if clocks else None
    reusable = False
    try:
        if watchdog:
            watchdog.add(watch)
        out = _collect(con.execute(query.lstrip()), w)
        # setseed() is the one thing a SELECT changes on its connection (its random())
        reusable = "setseed" not in query.lower()
        return out
    except duckdb.InterruptException:
        cut = f"{budget_seconds:g} s" if watch.expired == "budget" else "the test cell's time limit"
        raise checks.TooSlow(f"{w}: the query ran longer than {cut}; look for a "
                             f"join without a condition (a cross join)") from None
    except duckdb.Error as exc:
        raise CheckFailed(format_error(query, str(exc), what=w)) from None
    finally:
        if watchdog:
            watchdog.remove(watch)  # from here on nothing interrupts this connection
        con.close(reusable=reusable and watch.expired is None)  # not after a late interrupt
        _SPENT[0] += time.process_time() - spent


class _Watch:
    """A running query's connection and its clocks (name -> deadline); ``expired`` names
    the clock that ran out, once the watchdog has interrupted the query for it."""

    __slots__ = ("clocks", "con", "expired")

    def __init__(self, clocks: dict, con: Database):
        self.clocks, self.con, self.expired = clocks, con, None

    def left(self) -> tuple[float, str]:
        return min((c.left(), k) for k, c in self.clocks.items())


class _Watchdog:
    """One thread per process that interrupts each running query when one of its clocks runs
    out. It replaces a thread started and joined per query: starting one waits for the new
    thread to be scheduled, joining it for it to end, and with every core busy grading other
    students those waits held each query up (40 submissions of m06 took 8% longer, and stock
    nbgrader's kernels, which run the same checks, were as much slower). Adding a query
    wakes the thread only when it sleeps longer than the new query may run; a deadline that
    moves back (a forgiven wait) only wakes it early, and it looks again."""

    def __init__(self):
        self._cond = threading.Condition()
        self._watches: set[_Watch] = set()
        self._until: float | None = None  # when the thread wakes next; None: not until told
        self._stopping = False
        self.thread = threading.Thread(target=self._run, name="mlinterview-sql-watchdog",
                                       daemon=True)
        self.thread.start()

    def add(self, watch: _Watch) -> None:
        with self._cond:
            self._watches.add(watch)
            if self._until is None or time.monotonic() + watch.left()[0] < self._until:
                self._cond.notify()

    def remove(self, watch: _Watch) -> None:
        with self._cond:
            self._watches.discard(watch)

    def stop(self) -> None:
        """End the thread and wait for it to end. A query still running is no longer timed:
        only for a process that runs none (the factory, once warmed up)."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        self.thread.join()

    def _run(self) -> None:
        with self._cond:
            while not self._stopping:
                soonest = None
                for watch in list(self._watches):
                    left, clock = watch.left()
                    if left <= 0:
                        watch.expired = clock
                        self._watches.discard(watch)
                        # one connection's failure must not end the thread every query relies on
                        with contextlib.suppress(Exception):
                            watch.con.interrupt()
                    elif soonest is None or left < soonest:
                        soonest = left
                self._until = None if soonest is None else time.monotonic() + soonest
                self._cond.wait(soonest)


_WATCHDOG: list[_Watchdog] = []  # this process's; a forked child starts its own


def _watchdog() -> _Watchdog:
    """This process's watchdog, started by its first timed query."""
    if not _WATCHDOG:
        _WATCHDOG.append(_Watchdog())
    return _WATCHDOG[0]


def stop_watchdog() -> None:
    """End this process's watchdog thread, before a fork that needs no thread but its own
    (the kernel factory warms DuckDB up with a query, then forks every kernel); the next
    query starts a new one."""
    if _WATCHDOG:
        _WATCHDOG.pop().stop()


if hasattr(os, "register_at_fork"):  # the thread does not survive a fork; its lock may be held
    os.register_at_fork(after_in_child=_WATCHDOG.clear)
# A thread still alive when Python exits keeps this module, and the DuckDB connections it
# holds, alive past the point where DuckDB's bindings count what was not freed: every process
# that had run a timed query (a learner's kernel, a test run) ended printing some forty
# "nanobind: leaked ..." lines.
atexit.register(stop_watchdog)


def _statement_kinds(query: str) -> tuple:
    """The kind of each statement of ``query``; raises duckdb.Error. DuckDB parses it in a
    third of a millisecond: paid once per text, not once per dataset a test runs it on (a
    text past 100 kB is not kept: a grader lives through a cohort's queries)."""
    return _kinds(query) if len(query) > 100_000 else _kept_kinds(query)


def _kinds(query: str) -> tuple:
    import duckdb

    return tuple(s.type for s in duckdb.extract_statements(query))


_kept_kinds = functools.lru_cache(maxsize=256)(_kinds)


_SPENT = [0.0]  # CPU seconds run() has spent from loading the tables to reading the result


def cpu_spent() -> float:
    """The CPU seconds this process has spent running queries (a grader records the part
    a submission's queries took: in m06 the learner's code is SQL, and runs here)."""
    return _SPENT[0]


def _collect(result, w: str) -> pd.DataFrame:
    """The result as one DataFrame, read in chunks and refused past ``MAX_ROWS`` rows."""
    chunks = [result.fetch_df_chunk(64)]  # 64 vectors of 2,048 rows
    rows = len(chunks[0])
    while len(chunks[-1]):
        if rows > MAX_ROWS:
            raise CheckFailed(f"{w}: the query returns more than {MAX_ROWS:,} rows; no "
                              f"question's answer is that large (a join without a condition?)")
        chunks.append(result.fetch_df_chunk(64))
        rows += len(chunks[-1])
    full = [c for c in chunks if len(c)] or chunks[:1]
    return full[0] if len(full) == 1 else pd.concat(full, ignore_index=True)


def check_query(query: str, tables: Tables, expected: pd.DataFrame, *, what: str | None = None,
                ordered: bool = False) -> None:
    """Run ``query`` on ``tables`` and compare its rows and column names with ``expected``.

    Rows are a multiset (order ignored) unless ``ordered``; NULLs compare
    equal to NULLs and to nothing else.
    """
    actual = run(query, tables, what=what)
    checks.rows_equal(actual, expected, what=what or "your query", ordered=ordered)


def _labelled(datasets: Iterable[Any]) -> list[tuple[str, Tables]]:
    if isinstance(datasets, Mapping) and all(isinstance(v, pd.DataFrame) for v in datasets.values()):
        return [("the dataset", datasets)]
    if isinstance(datasets, Mapping):
        return list(datasets.items())
    out = []
    for k, item in enumerate(datasets):
        out.append(item if isinstance(item, tuple) else (f"dataset {k + 1}", item))
    return out


def expect_query(name: str, datasets: Iterable[Any], reference: Callable[[Tables], pd.DataFrame],
                 *, ordered: bool = False, namespace: Mapping[str, Any] | None = None) -> None:
    """Declare and run a hidden SQL test: the learner's query called ``name`` on every dataset.

    ``datasets``: (label, tables) pairs, e.g. ``m06.variations(seed)`` (the
    shipped data and seeded variations, so a query hard-coded to today's rows
    fails). For each, the query runs on its own copy of the tables and its result is
    compared with ``reference(tables)`` (computed from a separate copy) by
    :func:`checks.rows_equal`. Stops at the first dataset that differs and
    names it. Returns None (a test cell's last value is read as a score).
    """
    ns = sys._getframe(1).f_globals if namespace is None else namespace
    query = checks.answer(name, ns)
    if isinstance(query, str) and not query.strip():
        raise NotAttempted(f"`{name}` is empty: write your query between the triple quotes")
    labelled = _labelled(datasets)
    if not labelled:
        raise ValueError("expect_query() needs at least one dataset")  # an author's error
    passed = []
    for label, tables in labelled:
        key = _key_of(tables)
        expected = reference(Dataset({k: v.copy() for k, v in tables.items()}, key))
        try:
            check_query(query, Dataset(tables, key), expected, what=f"{name} on {label}",
                        ordered=ordered)
        except CheckFailed as exc:
            ok = f" (it gave the right rows on {', '.join(passed)})" if passed else ""
            raise type(exc)(f"{exc}{ok}") from None
        passed.append(label)
