"""The learner's side: runs inside the sandbox, never in the trusted grader.

The kernel process runs the notebook's ordinary cells (lesson and answer
cells, in order) in an IPython shell, so they behave as they do in a Jupyter
kernel (magics, ``display``, inline figures, tracebacks). Test cells are not
run here: the grader runs them, and asks the kernel questions over its socket:

* ``lookup name``: what the learner bound to ``name`` (plain data, a module
  name, a function or class handle with "is it still the stub?", or a handle);
* ``call``, ``getattr``, ``op``: use a handle, with arguments the grader sends.

Replies are pickled with handles in place of every object that is not plain
data (see :mod:`.wire`); the grader decides what it accepts. As in a Jupyter
kernel under stock nbgrader, what a call changes stays for the next cells; a
call that hangs is interrupted, and one that kills the kernel costs its test
cell only (the grader restarts the kernel and replays the cells before).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import pathlib
import pickle
import socket
import sys
import types
import warnings

from . import wire

MAX_CAPTURE = 1_000_000  # characters of output kept per cell or call: an output bomb stops here

_PLAIN = (type(None), bool, int, float, complex, str, bytes, bytearray, list, tuple, dict, set,
          frozenset, range, slice, pickle.PickleBuffer)  # PickleBuffer: an array's data


def _is_plain(obj) -> bool:
    cls = type(obj)
    if cls in _PLAIN or cls in (pathlib.PosixPath, pathlib.PurePosixPath):
        return True
    module = getattr(cls, "__module__", "") or ""
    if module.split(".")[0] not in ("numpy", "pandas"):
        return False
    import numpy as np

    if isinstance(obj, (np.ndarray, np.generic, np.dtype)):
        return cls is np.ndarray or isinstance(obj, np.dtype) or cls.__module__ == "numpy"
    import pandas as pd

    return cls in (pd.DataFrame, pd.Series, pd.Index, pd.RangeIndex, pd.MultiIndex,
                   pd.DatetimeIndex, pd.Timestamp, pd.Timedelta) or obj is pd.NA or obj is pd.NaT


def _is_safe_part(obj) -> bool:
    """A class, function or internal object a plain value is rebuilt from (a DataFrame's
    blocks, ``numpy.dtype``...): pickled as itself. Only a convenience (the learner's
    own objects become handles rather than errors): what guards the grader is its
    unpickler, which accepts exactly the names in :data:`wire.SAFE_GLOBALS`."""
    import copyreg

    def named(thing) -> bool:
        key = (getattr(thing, "__module__", None), getattr(thing, "__qualname__", None))
        return isinstance(key[1], str) and key in wire.SAFE_GLOBALS

    if isinstance(obj, type) or callable(obj) and named(obj):
        return named(obj)
    try:
        reduced = obj.__reduce_ex__(5)
    except Exception:  # noqa: BLE001 - cannot be pickled by value: a handle
        return False
    if not isinstance(reduced, tuple) or not reduced:
        return False
    if reduced[0] in (copyreg.__newobj__, copyreg.__newobj_ex__) and len(reduced) > 1 \
            and isinstance(reduced[1], tuple) and reduced[1]:
        return named(reduced[1][0])
    return named(reduced[0])


# --------------------------------------------------------------------------- output capture


class _Stream(io.TextIOBase):
    def __init__(self, outputs: list, name: str, budget: list):
        self.outputs, self.name, self.budget = outputs, name, budget

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        if self.budget[0] <= 0:
            return len(text)
        kept = text[: self.budget[0]]
        self.budget[0] -= len(kept)
        if self.outputs and self.outputs[-1].get("output_type") == "stream" \
                and self.outputs[-1]["name"] == self.name:
            self.outputs[-1]["text"] += kept
        else:
            self.outputs.append({"output_type": "stream", "name": self.name, "text": kept})
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class Shell:
    """An IPython shell whose outputs become nbformat outputs."""

    def __init__(self):
        from IPython.core.displayhook import DisplayHook
        from IPython.core.displaypub import DisplayPublisher
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        owner = self

        class Hook(DisplayHook):
            def write_output_prompt(self):
                pass

            def write_format_data(self, format_dict, md_dict=None):
                owner.outputs.append({"output_type": "execute_result", "data": format_dict,
                                      "metadata": md_dict or {},
                                      "execution_count": owner.count})

            def finish_displayhook(self):
                self._is_active = False

        class Publisher(DisplayPublisher):
            def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw):
                owner.outputs.append({"output_type": "display_data", "data": data,
                                      "metadata": metadata or {}})

            def clear_output(self, wait=False):
                owner.outputs.clear()

        config = Config()
        config.HistoryManager.enabled = False
        config.InteractiveShell.colors = "NoColor"
        self.outputs: list = []
        self.count = 0
        self.shell = InteractiveShell.instance(config=config)
        self.shell.displayhook = Hook(shell=self.shell, cache_size=0)
        self.shell.display_pub = Publisher(shell=self.shell)
        self.shell._showtraceback = self._record_error
        # exit() and quit() ask a Jupyter frontend to stop the kernel; a plain shell has no
        # ask_exit, so they raised AttributeError. Here they do nothing: the notebook goes on
        self.shell.ask_exit = lambda: None
        with contextlib.suppress(Exception):  # noqa: BLE001 - figures are cosmetic; grading goes on without them
            self.shell.enable_matplotlib("inline")

    def warm_up(self) -> None:
        """Show one error and one table here, in the kernel factory, so that every kernel forked from
        it starts with IPython's traceback formatter and pandas' HTML table ready: the first
        error a fresh shell shows costs it 0.12 s, and nearly every submission has one (a
        blank answer's NotImplementedError). The shell is left as it was: no name, no output,
        no ``sys.last_*`` a learner could read to tell it is being graded."""
        before = dict(self.shell.user_ns)
        kept = (self.shell.execution_count, self.shell.last_execution_succeeded,
                self.shell.last_execution_result)
        self.run("def _f():\n    raise NotImplementedError()\n\n"
                 "__import__('IPython').display.display(__import__('pandas').DataFrame("
                 "{'a': [1.5], 'b': ['x']}))\n_f()\n", 0)
        self.shell.user_ns.clear()
        self.shell.user_ns.update(before)
        for name in ("last_type", "last_value", "last_traceback", "last_exc"):
            with contextlib.suppress(AttributeError):
                delattr(sys, name)
        (self.shell.execution_count, self.shell.last_execution_succeeded,
         self.shell.last_execution_result) = kept
        self.outputs, self.count = [], 0

    def _record_error(self, etype, evalue, stb):
        self.outputs.append({"output_type": "error", "ename": getattr(etype, "__name__", "Error"),
                             "evalue": str(evalue)[:10_000], "traceback": list(stb)[:200]})

    def run(self, source: str, count: int) -> list:
        self.outputs, self.count = [], count
        budget = [MAX_CAPTURE]
        saved = sys.stdout, sys.stderr
        sys.stdout = _Stream(self.outputs, "stdout", budget)
        sys.stderr = _Stream(self.outputs, "stderr", budget)
        try:
            self.shell.execution_count = count
            self.shell.run_cell(source, store_history=False)
        except BaseException as exc:  # noqa: BLE001 - whatever escapes IPython is the cell's error
            self._record_error(type(exc), exc, [f"{type(exc).__name__}: {exc}"])
        finally:
            sys.stdout, sys.stderr = saved
        return self.outputs

    @property
    def user_ns(self) -> dict:
        return self.shell.user_ns


# --------------------------------------------------------------------------- the kernel


def serve(sock: socket.socket, shell: Shell) -> None:
    """The kernel's loop: run ordinary cells; answer a test cell's questions."""
    answerer = _Answerer(sock, shell.user_ns)
    while True:
        try:
            data = wire.recv_raw(sock)
        except wire.ChannelClosed:
            os._exit(0)
        except KeyboardInterrupt:  # an interrupt that came just after the call it was meant for
            continue
        try:
            message = answerer.load(data)
            kind = message[0]
        except Exception as exc:  # noqa: BLE001 - e.g. a handle of a test cell that ended
            answerer.reply(("raise", ["TypeError"], f"unreadable request: {exc}", []))
            continue
        if kind == "run":
            _, source, count = message
            outputs = shell.run(source, count)
            _send_outputs(sock, outputs)
        elif kind == "end":  # the test cell is over: its handles are released
            answerer.handles.clear()
            wire.send(sock, ("ended",))
        elif kind == "bye":
            os._exit(0)
        else:
            answerer.answer(data)


def _send_outputs(sock, outputs) -> None:
    try:
        wire.send(sock, ("done", outputs))
    except Exception:  # noqa: BLE001 - rich outputs that do not pickle are dropped, not fatal
        plain = [o for o in outputs if o.get("output_type") in ("stream", "error")]
        wire.send(sock, ("done", plain))


# --------------------------------------------------------------------------- the server


class _ReplyPickler(pickle.Pickler):
    def __init__(self, buf, protocol, handles):
        super().__init__(buf, protocol=protocol)
        self.handles = handles

    def persistent_id(self, obj):
        if _is_plain(obj) or _is_safe_part(obj):
            return None
        key = id(obj)
        self.handles.setdefault(key, obj)
        return ("handle", key, type(obj).__name__, callable(obj))


class _ArgsUnpickler(pickle.Unpickler):
    def __init__(self, buf, handles, callback):
        super().__init__(buf)
        self.handles, self.callback = handles, callback

    def persistent_load(self, pid):
        if pid[0] == "cb":
            return self.callback(pid[1])
        return self.handles[pid[1]]


def _describe(ns: dict, name: str, handles: dict):
    from mlinterview.checks import _is_stub

    if name not in ns:
        return ("absent",)
    obj = ns[name]
    if isinstance(obj, types.ModuleType):
        return ("module", obj.__name__)
    handles.setdefault(id(obj), obj)
    if isinstance(obj, types.FunctionType):
        return ("function", id(obj), bool(_is_stub(obj)))
    if isinstance(obj, type):
        methods = {k: bool(_is_stub(v)) for k, v in vars(obj).items()
                   if isinstance(v, types.FunctionType) and not k.startswith("__")}
        return ("class", id(obj), methods)
    return ("value", obj)


class _Answerer:
    """Answers a test cell's questions about the learner's names (see the module's doc)."""

    def __init__(self, sock: socket.socket, ns: dict):
        self.sock, self.ns = sock, ns
        self.handles: dict[int, object] = {}

    def reply(self, obj) -> None:
        buf = io.BytesIO()
        _ReplyPickler(buf, 5, self.handles).dump(obj)
        data = buf.getvalue()
        self.sock.sendall(wire._HEADER.pack(len(data)) + data)

    def load(self, data: bytes):
        return _ArgsUnpickler(io.BytesIO(data), self.handles, self.callback).load()

    def callback(self, key):
        """A function of the grader's, passed to the learner's code: each call asks the grader."""
        def call(*args, **kwargs):
            self.reply(("callback", key, args, kwargs))
            while True:  # the grader may call the learner's code while it runs its function
                data = wire.recv_raw(self.sock)
                message = self.load(data)
                if message[0] == "cbreturn":
                    return message[1]
                if message[0] == "cbraise":
                    raise wire.rebuild_exception(message[1], message[2])
                self.answer(data)

        return call

    def answer(self, data: bytes) -> None:
        outputs: list = []
        budget = [MAX_CAPTURE]
        saved = sys.stdout, sys.stderr
        try:
            message = self.load(data)
            sys.stdout = _Stream(outputs, "stdout", budget)
            sys.stderr = _Stream(outputs, "stderr", budget)
            # warnings go back as records: the grader applies the test's own warning filters
            # (a check that records them swallows them, as it does under stock nbgrader)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    result = _dispatch(message, self.ns, self.handles)
                finally:
                    outputs.extend(_warning_records(caught))
            sys.stdout, sys.stderr = saved
            try:
                self.reply(("ok", result, outputs))
            except Exception as exc:  # noqa: BLE001 - an answer that cannot be sent is an error
                self.reply(("raise", ["TypeError"], f"the answer could not be sent to the grader "
                                                    f"({type(exc).__name__}: {exc})", outputs))
        except BaseException as exc:  # noqa: BLE001 - the learner's exception is the finding
            sys.stdout, sys.stderr = saved
            names = wire.exception_names(type(exc))
            try:
                text = str(exc)[:10_000]
            except BaseException:  # noqa: BLE001
                text = "<exception message could not be read>"
            self.reply(("raise", names, text, outputs))


def _warning_records(caught) -> list[dict]:
    return [{"output_type": "warning", "category": c.category.__name__,
             "message": str(c.message)[:2000], "filename": str(c.filename)[:500],
             "lineno": int(c.lineno or 0)} for c in caught[:100]]


def _dispatch(message, ns: dict, handles: dict):
    kind = message[0]
    if kind == "lookup":
        return _describe(ns, message[1], handles)
    if kind == "call":
        _, target, args, kwargs = message
        result = handles[target](*args, **kwargs)
        return ("value", result, args, kwargs)
    if kind == "getattr":
        return ("value", getattr(handles[message[1]], message[2]))
    if kind == "op":
        _, target, op, args = message
        return ("value", _OPS[op](handles[target], *args))
    if kind == "mirror":
        return ("value", _mirror(message[1], message[2:], handles))
    return ("value", None)


# --------------------------------------------------------------------------- stand-ins
# The grader's stand-in for a learner's class (``mirror.py``) keeps a copy of each instance's
# attributes; these requests build the learner's object, run its methods and report what
# changed in its ``__dict__``: an attribute that is one of the call's arguments by name
# (identity matters to scikit-learn's clone), any other as its value (plain data or a handle).

# dunder methods a learner's class may define that the stand-in runs here; the rest of the
# protocol (pickling, copying, tags) the stand-in does its own way or takes from the library
MIRRORED_DUNDERS = frozenset({"__repr__", "__str__", "__len__", "__sklearn_is_fitted__",
                              "__sklearn_clone__", "__sklearn_tags__"})


def _library_class(cls) -> bool:
    return cls is object or (getattr(cls, "__module__", "") or "").split(".")[0] == "sklearn"


def _outline(cls) -> dict:
    """What the grader needs to build a stand-in for the learner's class ``cls``."""
    import inspect

    mro = getattr(cls, "__mro__", None) or (cls,)
    methods, values, seen = {}, {}, set()
    for owner in mro:
        for name, attr in list(vars(owner).items()):
            if name in seen:
                continue
            seen.add(name)
            if _library_class(owner) or name == "__init__" or \
                    name.startswith("__") and name not in MIRRORED_DUNDERS:
                continue
            if isinstance(attr, property):
                methods[name] = "property"
            elif isinstance(attr, (types.FunctionType, staticmethod, classmethod)):
                methods[name] = "method"
            elif not callable(attr):
                values[name] = attr
    if cls.__init__ is object.__init__:
        signature = [("self", int(inspect.Parameter.POSITIONAL_OR_KEYWORD), True, None)]
    else:
        try:
            signature = [(p.name, int(p.kind), p.default is p.empty,
                          None if p.default is p.empty else p.default)
                         for p in inspect.signature(cls.__init__).parameters.values()]
        except (TypeError, ValueError):
            signature = None
    return {"name": str(cls.__name__), "qualname": str(cls.__qualname__),
            "module": str(cls.__module__), "doc": cls.__doc__ if isinstance(cls.__doc__, str) else None,
            "bases": [(c.__module__, c.__qualname__) for c in mro if _library_class(c)],
            "methods": methods, "values": values, "signature": signature}


def _attributes(obj) -> dict:
    attrs = getattr(obj, "__dict__", None)
    return attrs if isinstance(attrs, dict) else {}


def _alias(value, attrs: dict, args: tuple, kwargs: dict):
    """("kw", key), ("arg", i) or ("attr", name) when ``value`` is that very object, or None."""
    if _is_plain(value) and type(value) in (bool, type(None)):
        return None  # singletons: the same on both sides anyway
    return next((("kw", k) for k, a in kwargs.items() if a is value), None) or \
        next((("arg", i) for i, a in enumerate(args) if a is value), None) or \
        next((("attr", k) for k, a in attrs.items() if a is value), None)


def _changes(obj, before: dict | None, args: tuple, kwargs: dict):
    """({name: ("kw", key) | ("arg", i) | ("value", v)} for attributes new or rebound since
    ``before``, [names removed])."""
    now = _attributes(obj)
    changed = {}
    for name, value in now.items():
        if before is not None and name in before and before[name] is value:
            continue
        ref = _alias(value, {}, args, kwargs)
        changed[name] = ref or ("value", value)
    gone = [name for name in (before or {}) if name not in now]
    return changed, gone


def _made(obj, handles: dict, args: tuple = (), kwargs: dict | None = None):
    handles.setdefault(id(obj), obj)
    return (id(obj), _changes(obj, None, args, kwargs or {}))


def _tags_as_data(tags) -> dict:
    """scikit-learn's Tags, as nested dicts: the grader rebuilds them with its own classes."""
    return {f.name: _tags_as_data(v) if dataclasses.is_dataclass(v := getattr(tags, f.name)) else v
            for f in dataclasses.fields(tags)}


def _mirror(request: str, rest: tuple, handles: dict):
    import copy

    if request == "outline":
        return _outline(handles[rest[0]])
    if request == "new":
        target, args, kwargs = rest
        return _made(handles[target](*args, **kwargs), handles, args, kwargs)
    obj = handles[rest[0]]
    if request == "use":  # call a method (or read an attribute) after the grader's changes
        _, name, call, args, kwargs, pushed, removed = rest
        attrs = _attributes(obj)
        for key in removed:
            attrs.pop(key, None)
        attrs.update(pushed)
        before = dict(attrs)
        result = getattr(obj, name) if name is not None else None  # None: only the changes
        if call:
            result = result(*args, **kwargs)
        if name == "__sklearn_tags__" and dataclasses.is_dataclass(result):
            return ("tags", _tags_as_data(result)), _changes(obj, before, args, kwargs)
        if result is obj:
            answer = ("self",)
        elif type(result) is type(obj) and not _is_plain(result):
            answer = ("new", *_made(result, handles))
        else:  # what *is* an attribute or argument (get_params' values) is named as such
            ref = _alias(result, _attributes(obj), args, kwargs)
            aliases = {k: r for k, v in result.items()
                       if (r := _alias(v, _attributes(obj), args, kwargs)) is not None} \
                if type(result) is dict else {}
            answer = ("value", result, ref, aliases)
        return answer, _changes(obj, before, args, kwargs)
    if request == "pickle":  # the bytes stay here: the grader holds a token for them
        data = pickle.dumps(obj)
        handles[id(data)] = data
        return id(data)
    if request == "unpickle":
        return _made(pickle.loads(obj), handles)  # noqa: S301 - bytes this process made
    if request == "deepcopy":
        return _made(copy.deepcopy(obj), handles)
    raise ValueError(f"unknown request {request!r}")


_OPS = {
    "len": len,
    "getitem": lambda obj, key: obj[key],
    "list": list,
    "repr": lambda obj: repr(obj)[:10_000],
    "str": lambda obj: str(obj)[:10_000],
    "bool": bool,
    "float": float,
    "int": int,
    "eq": lambda obj, other: obj == other,
}
