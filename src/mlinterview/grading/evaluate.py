"""The trusted worker: grade one submission.

1. Read every notebook of the submission; a file that is missing, not JSON,
   of an unknown nbformat or too large becomes a report line and zero points
   for that notebook only.
2. Sanitise it with nbgrader's own preprocessors (ClearOutput, DeduplicateIds,
   OverwriteKernelspec, OverwriteCells, CheckCellMetadata): test and locked
   cells come back from the source recorded in the gradebook, exactly as
   ``nbgrader autograde`` restores them (the gradebook read once per worker:
   :mod:`.sanitise`).
3. Start a sandboxed kernel (:mod:`.sandbox`, :mod:`.kernel`) on a copy of
   the submission and run the ordinary cells there, in order.
4. Run each test cell *here*, from the restored (trusted) source, in a
   namespace whose learner names are proxies to the kernel: functions and
   classes are called over the socket, values arrive as plain data. The
   references, the comparisons and ``mlinterview.checks`` are the grader's
   own, so nothing the learner patches in their process reaches them.
5. Apply nbgrader's LimitOutput and score every cell with nbgrader's
   ``determine_grade`` (an error or any stderr output scores 0, a number left
   as the last value is partial credit).

A cell that hangs is interrupted, then its kernel killed; a kernel that dies
(``os._exit``, a memory limit, a signal) is restarted and the ordinary cells
that ran before are replayed, so a crash costs only the cells it touches.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import dataclasses
import functools
import gc
import importlib
import io
import os
import pickle
import signal
import socket
import sys
import tempfile
import time
import traceback
import types
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from mlinterview import cellflow
from mlinterview.checks import WaitForgivingDeadline

from . import factory, mirror, sandbox, wire
from . import kernel as kernel_side

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
SKIPPED_NOTE = ("(not run while grading: a lesson illustration tagged skip-when-grading, "
                "and nothing graded reads what it does)\n")
INTERRUPT_GRACE = 3.0
# a module a test cell uses by the learner's name for it (``np``, ``tempfile``) is
# imported here, by its real name: the course's libraries and the standard library
ALLOWED_MODULE_ROOTS = {
    "mlinterview", "numpy", "pandas", "sklearn", "scipy", "duckdb", "matplotlib",
} | set(sys.stdlib_module_names)


@dataclass
class Settings:
    course_root: Path
    db_url: str
    cell_timeout: float = 60.0
    submission_timeout: float = 600.0
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    max_lines: int = 1000
    max_traceback: int = 100
    data_dir: Path | None = None  # the course's data/ (the package's, when the course has none)

    def __post_init__(self):
        if self.data_dir is None:
            from mlinterview import datasets

            own = self.course_root / "data"
            self.data_dir = own if (own / "README.md").is_file() else datasets.data_dir().resolve()


class KernelLost(Exception):
    """The kernel died or stopped answering."""


# --------------------------------------------------------------------------- the kernel handle


class Kernel:
    """The worker's end of one sandboxed kernel."""

    def __init__(self, settings: Settings, files: dict[str, bytes], uid: int,
                 kernels: factory.KernelFactory, plan, private_mounts: bool = False):
        self.settings, self.files, self.uid, self.factory = settings, files, uid, kernels
        self.private_mounts = private_mounts
        self.pid = self.middle = None
        self.sock = None
        self.group: sandbox.KernelGroup | None = None  # its processes' memory and CPU, together
        self.missing: list[str] = []
        self.broken = False  # a late or lost reply: the conversation is out of step, restart
        self.cpu = 0.0  # CPU seconds its kernels used (restarts add theirs), as their middles report
        self.exchange = sandbox.make_exchange(uid, settings.limits, private_mounts)
        self.warning_registry: dict = {}  # "default" warnings show once per place, as in a kernel
        self.plan = dataclasses.replace(plan, share=[self.exchange])

    @contextlib.contextmanager
    def exchange_as_tempdir(self):
        """Test cells' temporary files go to the exchange, where the learner's code sees them."""
        saved = tempfile.tempdir
        tempfile.tempdir = self.exchange
        try:
            yield
        finally:
            tempfile.tempdir = saved

    def hand_over(self) -> None:
        sandbox.hand_over(self.exchange, self.uid)

    def take_back(self) -> None:
        sandbox.take_back(self.exchange)

    def remove(self) -> None:
        self.close()
        sandbox.remove_exchange(self.exchange)

    def start(self) -> None:
        """A new kernel, born in the factory (never a fork of this worker: see ``factory``)."""
        self.broken = False
        ours, theirs = socket.socketpair()
        self.group, _ = sandbox.KernelGroup.make(self.settings.limits)
        job = {"files": self.files, "uid": self.uid, "plan": self.plan,
               "limits": self.settings.limits, "data_dir": str(self.settings.data_dir),
               "group": self.group.folders if self.group is not None else None}
        try:
            self.middle, self.pid, self.missing = factory.ask(self.factory, job, theirs,
                                                              self.private_mounts)
        except BaseException:
            ours.close()
            if self.group is not None:
                self.group.remove()
                self.group = None
            raise
        self.sock = ours

    def close(self) -> None:
        if self.pid:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
        if self.middle:
            used = factory.wait_gone(self.middle)  # its middle has seen it die
            self.cpu += used or 0.0
        if self.sock:
            self.sock.close()
        if self.group is not None:
            self.group.remove()
        self.pid = self.middle = self.sock = self.group = None

    def _ask(self, message, deadline: float):
        try:
            wire.send(self.sock, message)
            return wire.recv_untrusted(self.sock, deadline)
        except (wire.ChannelClosed, wire.ChannelTimeout, wire.UnsafeData, OSError) as exc:
            self.broken = True
            raise KernelLost(f"the kernel died or stopped answering ({type(exc).__name__})") from None

    def run(self, source: str, count: int, timeout: float, limit: float | None = None) -> list:
        """Outputs of one ordinary cell; KernelLost if it killed or hung the kernel.

        ``timeout`` counts the kernel's own time: what it spent waiting for a CPU that
        other students' kernels kept busy is added (:class:`checks.WaitForgivingDeadline`),
        never past ``limit`` (the submission's time limit, a time.monotonic())."""
        try:
            return self._run(source, count, timeout, limit)
        except KernelLost:
            self.broken = True
            raise

    def _run(self, source: str, count: int, timeout: float, limit: float | None) -> list:
        try:
            wire.send(self.sock, ("run", source, count))
        except OSError:
            raise KernelLost("the kernel died") from None
        clock = WaitForgivingDeadline(timeout, (self.pid,), limit=limit)
        try:
            reply = wire.recv_untrusted(self.sock, clock)
        except wire.ChannelTimeout:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGINT)
            ran = f"the cell ran longer than {timeout:g} s{_forgiven(clock)}"
            try:
                reply = wire.recv_untrusted(self.sock, time.monotonic() + INTERRUPT_GRACE)
            except (wire.ChannelTimeout, wire.ChannelClosed, wire.UnsafeData):
                raise KernelLost(f"{ran} and ignored the interrupt; its kernel was killed") from None
            outputs = _outputs(reply)
            outputs.append(_error("TimeoutError", f"{ran} and was interrupted"))
            return outputs
        except (wire.ChannelClosed, wire.UnsafeData, OSError) as exc:
            raise KernelLost(f"the kernel died while running this cell ({type(exc).__name__})") from None
        return _outputs(reply)

    def end_server(self, deadline: float) -> None:
        reply = self._ask(("end",), deadline)
        if reply != ("ended",):
            raise KernelLost("the kernel answered out of turn")


def _forgiven(clock) -> str:
    if clock.forgiven < 0.05:
        return ""
    return f" of its own time (not counting {clock.forgiven:.1f} s it waited for a busy CPU)"


def _outputs(reply) -> list:
    if not (isinstance(reply, tuple) and len(reply) == 2 and reply[0] == "done"
            and isinstance(reply[1], list)):
        raise KernelLost("the kernel answered out of turn")
    outputs = []
    for out in reply[1]:
        try:
            outputs.append(nbformat.from_dict(out))
        except Exception:  # noqa: BLE001 - a malformed output is dropped
            continue
    return outputs


def _error(ename: str, evalue: str, tb: list[str] | None = None) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue,
                                  traceback=tb or [f"{ename}: {evalue}"])


# --------------------------------------------------------------------------- proxies


class TestServer:
    """One test cell's conversation with the learner's kernel (its state, as the cells before left it)."""

    def __init__(self, kernel: Kernel, deadline: WaitForgivingDeadline, outputs: list):
        self.kernel, self.deadline, self.outputs = kernel, deadline, outputs
        self.sock = None
        self.objects: dict[int, RemoteObject] = {}   # one proxy per learner object: `is` works
        self.callbacks: dict[int, object] = {}       # trusted functions the learner's code may call
        self.stand_ins: dict[int, type] = {}          # learner class handle -> the grader's stand-in

    def _connect(self):
        if self.kernel.broken or self.kernel.sock is None:
            raise KernelLost("the kernel is out of step")
        self.sock = self.kernel.sock

    def drop(self) -> None:
        """The test cell is over: the kernel releases its handles."""
        if self.sock is not None and not self.kernel.broken:
            self.sock = None
            # the cell's own deadline may have passed: ending gets a moment of its own
            self.kernel.end_server(time.monotonic() + 5)

    def _send(self, message) -> None:
        buf = io.BytesIO()
        _ArgsPickler(buf, self).dump(message)
        data = buf.getvalue()
        self.sock.sendall(wire._HEADER.pack(len(data)) + data)

    def ask(self, message):
        self._connect()
        try:
            self.kernel.hand_over()
            self._send(message)
            while True:
                raw = wire.recv_raw(self.sock, self.deadline)
                reply = _ReplyUnpickler(io.BytesIO(raw), self).load()
                if not (isinstance(reply, tuple) and len(reply) == 4 and reply[0] == "callback"):
                    break
                self.kernel.take_back()
                self._callback(*reply[1:])
                self.kernel.hand_over()
            self.kernel.take_back()
        except wire.ChannelTimeout:
            self._abandon()
            raise TimeoutError("your code did not finish before the cell's time limit") from None
        except (wire.ChannelClosed, OSError):
            self.kernel.broken = True
            raise KernelLost("your code stopped its process (it crashed, exited or was "
                             "killed for using too much memory)") from None
        except (wire.UnsafeData, pickle_errors()) as exc:
            # the whole message was read: the conversation is still in step
            raise TypeError(f"your code returned something the grader cannot read: {exc}") from None
        except BaseException:
            # a budget (SIGALRM) while the learner's code runs: stop it
            self._abandon()
            raise
        if not isinstance(reply, tuple) or len(reply) not in (3, 4) or not isinstance(reply[-1], list):
            raise TypeError("your code answered out of turn")
        self._relay(reply[-1])
        if reply[0] == "raise" and len(reply) == 4:
            raise _rebuild_exception(reply[1], reply[2])
        if reply[0] != "ok" or len(reply) != 3:
            raise TypeError("your code answered out of turn")
        return reply[1]

    def _relay(self, outputs) -> None:
        for out in outputs if isinstance(outputs, list) else []:
            if isinstance(out, dict) and out.get("output_type") == "stream" \
                    and out.get("name") in ("stdout", "stderr"):
                self.outputs.write(out["name"], str(out.get("text", "")))
            elif isinstance(out, dict) and out.get("output_type") == "warning":
                self._warn(out)

    def _warn(self, record: dict) -> None:
        """A warning the learner's code emitted, raised again here under the test's filters."""
        category = getattr(builtins, str(record.get("category")), None)
        if not (isinstance(category, type) and issubclass(category, Warning)):
            category = UserWarning
        lineno = record.get("lineno")
        warnings.warn_explicit(str(record.get("message", "")), category,
                               str(record.get("filename", "<learner>")),
                               lineno if type(lineno) is int else 0,
                               registry=self.kernel.warning_registry)

    def _callback(self, key, args, kwargs) -> None:
        """The learner's code called a function the test passed it (a lambda, say): run it here."""
        func = self.callbacks.get(key) if isinstance(key, int) else None
        try:
            if func is None or not isinstance(args, tuple) or not isinstance(kwargs, dict):
                raise TypeError("your code called a function the grader did not give it")
            value = ("cbreturn", func(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - the trusted function's error goes back to the caller
            value = ("cbraise", wire.exception_names(type(exc)), str(exc)[:2000])
        self._send(value)

    def _abandon(self) -> None:
        """The learner's call is still running: interrupt it and wait for its last word;
        a kernel that does not give it is out of step (restarted before the next cell)."""
        kernel = self.kernel
        if kernel.broken or kernel.pid is None:
            return
        with contextlib.suppress(OSError):
            os.kill(kernel.pid, signal.SIGINT)
        deadline = time.monotonic() + INTERRUPT_GRACE
        try:
            while True:
                reply = wire.recv_untrusted(kernel.sock, deadline)
                if isinstance(reply, tuple) and reply and reply[0] == "callback":
                    wire.send(kernel.sock, ("cbraise", ["KeyboardInterrupt"], "interrupted"))
                    continue
                break
        except Exception:  # noqa: BLE001 - no clean reply: the kernel is lost
            kernel.broken = True

    def register(self, func) -> int:
        self.callbacks[id(func)] = func
        return id(func)

    def proxy(self, ref) -> RemoteObject:
        obj = self.objects.get(ref.id)
        if obj is None:
            obj = self.objects[ref.id] = RemoteObject(self, ref.id, ref.type_name)
        return obj

    def stand_in(self, cls):
        """A class of the grader's standing in for the learner's class ``cls`` (:mod:`.mirror`),
        or ``cls`` when it is not the learner's."""
        handle = getattr(cls, "_mlinterview_handle", None)
        if not (isinstance(cls, type) and issubclass(cls, RemoteObject) and isinstance(handle, int)):
            return cls
        if handle not in self.stand_ins:
            self.stand_ins[handle] = mirror.build(self, handle)
        return self.stand_ins[handle]


def pickle_errors():
    import pickle

    return pickle.UnpicklingError


def _rebuild_exception(names, text) -> BaseException:
    """The learner's exception, rebuilt by name (:func:`wire.rebuild_exception`)."""
    from mlinterview.checks import CheckFailed

    if isinstance(names, list) and "CheckFailed" in names:  # course code their function called
        return CheckFailed(text if isinstance(text, str) else "")
    return wire.rebuild_exception(names, text)


# dunder methods through which a library asks an object to act for itself, so a proxy
# forwards them (``sklearn.base.clone`` calls ``__sklearn_clone__``); every other dunder
# lookup (pickle's, copy's, NumPy's) stays here and finds nothing
PROTOCOL_METHODS = frozenset({"__sklearn_clone__"})


class RemoteObject:
    """A learner object that stays in the kernel."""

    __slots__ = ("_server", "_id", "_type_name")

    def __init__(self, server: TestServer, id_: int, type_name: str):
        object.__setattr__(self, "_server", server)
        object.__setattr__(self, "_id", id_)
        object.__setattr__(self, "_type_name", type_name)

    def __getattr__(self, name):
        if name.startswith("__") and name not in PROTOCOL_METHODS:
            raise AttributeError(name)
        return _value(self._server.ask(("getattr", self._id, name)))

    def __call__(self, *args, **kwargs):
        return _call(self._server, self._id, args, kwargs)

    def _op(self, op, *args):
        return _value(self._server.ask(("op", self._id, op, args)))

    def __len__(self):
        return self._op("len")

    def __getitem__(self, key):
        return self._op("getitem", key)

    def __iter__(self):
        return iter(self._op("list"))

    def __repr__(self):
        value = self._op("repr")
        return value if isinstance(value, str) else f"<{self._type_name}>"

    def __str__(self):
        value = self._op("str")
        return value if isinstance(value, str) else f"<{self._type_name}>"

    def __bool__(self):
        return bool(self._op("bool") is True)

    def __float__(self):
        value = self._op("float")
        if not isinstance(value, float):
            raise TypeError("not a float")
        return value

    def __int__(self):
        value = self._op("int")
        if type(value) is not int:
            raise TypeError("not an int")
        return value

    def __eq__(self, other):
        value = self._op("eq", other)
        return value if isinstance(value, bool) else False

    __hash__ = object.__hash__

    def __copy__(self):
        return self  # a learner object is copied, if at all, in its own process

    def __deepcopy__(self, memo):
        return self


_PLAIN_TYPES = frozenset({int, float, str, bool, bytes, complex, type(None), list, tuple, dict,
                          set, frozenset})


class _ArgsPickler(pickle.Pickler):
    """What the grader sends: data, handles of learner objects, and callbacks.

    A Python function of the grader's (a lambda in a test cell, a reference
    function) is never sent as code or looked up by name in the learner's
    process (where the name could be rebound): the learner's code gets a
    callback that runs it here.
    """

    def __init__(self, buf, server: TestServer):
        super().__init__(buf, protocol=5)
        self.server = server

    def persistent_id(self, obj):
        if type(obj) in _PLAIN_TYPES:  # the bulk of a large argument: no lookups for them
            return None
        if isinstance(obj, RemoteObject):
            return ("h", obj._id)
        stood_in = mirror.handle_of(obj)
        if stood_in is not None:
            return ("h", stood_in)
        handle = getattr(obj, "_mlinterview_handle", None) if callable(obj) else None
        if isinstance(handle, int):
            return ("h", handle)
        if isinstance(obj, (types.FunctionType, types.MethodType)) and not _library_global(obj):
            return ("cb", self.server.register(obj))
        return None


_BY_NAME = ("copyreg", "numpy", "pandas", "scipy", "sklearn", "functools", "collections")


def _library_global(func) -> bool:
    """A library function a value is rebuilt from (``copyreg._reconstructor``): sent by name."""
    module, name = getattr(func, "__module__", "") or "", getattr(func, "__qualname__", "")
    return module.split(".")[0] in _BY_NAME and "<" not in name


class _ReplyUnpickler(wire.SafeUnpickler):
    def __init__(self, buf, server: TestServer):
        super().__init__(buf)
        self.server = server

    def persistent_load(self, pid):
        return self.server.proxy(super().persistent_load(pid))


def _value(result):
    if not (isinstance(result, tuple) and result and result[0] == "value"):
        raise TypeError("your code answered out of turn")
    return result[1]


def _write_back(sent, returned) -> None:
    """Reflect in-place changes the learner's call made to its arguments (as in a kernel)."""
    import numpy as np

    for a, b in zip(sent, returned):
        try:
            if type(a) is list and type(b) is list:
                a[:] = b
            elif type(a) is dict and type(b) is dict or type(a) is set and type(b) is set:
                a.clear()
                a.update(b)
            elif isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape \
                    and a.flags.writeable:
                np.copyto(a, b, casting="unsafe")
        except Exception:  # noqa: BLE001,S112 - a mismatch means the learner rebound it; ignore
            continue


def _call(server: TestServer, target: int, args: tuple, kwargs: dict):
    result = server.ask(("call", target, args, kwargs))
    if not (isinstance(result, tuple) and len(result) == 4 and result[0] == "value"):
        raise TypeError("your code answered out of turn")
    _, value, new_args, new_kwargs = result
    if isinstance(new_args, (tuple, list)) and len(new_args) == len(args):
        _write_back(args, new_args)
    if isinstance(new_kwargs, dict):
        _write_back([kwargs[k] for k in kwargs if k in new_kwargs],
                    [new_kwargs[k] for k in kwargs if k in new_kwargs])
    return value


def _stub(name: str):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    stub.__name__ = stub.__qualname__ = name
    return stub


def _function_proxy(server: TestServer, target: int, name: str):
    def proxy(*args, **kwargs):
        return _call(server, target, args, kwargs)

    proxy.__name__ = proxy.__qualname__ = name
    proxy._mlinterview_handle = target
    return proxy


def _method_proxy(name: str):
    def method(self, *args, **kwargs):
        return RemoteObject.__getattr__(self, name)(*args, **kwargs)

    method.__name__ = method.__qualname__ = name
    return method


def _class_proxy(server: TestServer, target: int, name: str, methods: dict):
    """A stand-in class: calling it builds the learner's object remotely, and the
    proxy it returns is an instance of this class (``isinstance`` works)."""
    body = {"__init__": lambda self, *args, **kwargs: None, "_mlinterview_handle": target}
    for method, is_stub in methods.items():
        if isinstance(method, str) and not method.startswith("__"):
            body[method] = _stub(method) if is_stub else _method_proxy(method)

    def new(cls, *args, **kwargs):
        made = _call(server, target, args, kwargs)
        if not isinstance(made, RemoteObject):
            return made
        obj = object.__new__(cls)
        for slot in RemoteObject.__slots__:
            object.__setattr__(obj, slot, getattr(made, slot))
        server.objects[made._id] = obj
        return obj

    body["__new__"] = new
    return type(name, (RemoteObject,), body)


class LearnerNamespace(dict):
    """Test cell globals: names not set by the test resolve to the learner's, by proxy."""

    def __init__(self, server: TestServer):
        super().__init__(__builtins__=builtins, __name__="__main__")
        self._server = server
        self._absent: set[str] = set()

    def _resolve(self, name: str) -> bool:
        if dict.__contains__(self, name):
            return True
        if name in self._absent or not isinstance(name, str) or hasattr(builtins, name):
            return False
        desc = self._server.ask(("lookup", name))
        if not isinstance(desc, tuple) or not desc:
            self._absent.add(name)
            return False
        tag, value = desc[0], desc
        if tag == "absent":
            self._absent.add(name)
            return False
        if tag == "module" and isinstance(value[1], str):
            modname = value[1]
            if modname.split(".")[0] not in ALLOWED_MODULE_ROOTS:
                raise ImportError(f"`{name}` is bound to module {modname!r}, which tests may not use")
            dict.__setitem__(self, name, importlib.import_module(modname))
        elif tag == "function" and len(value) == 3:
            dict.__setitem__(self, name, _stub(name) if value[2] is True
                             else _function_proxy(self._server, value[1], name))
        elif tag == "class" and len(value) == 3 and isinstance(value[2], dict):
            dict.__setitem__(self, name, _class_proxy(self._server, value[1], name, value[2]))
        elif tag == "value" and len(value) == 2:  # plain data, or a handle to a learner object
            dict.__setitem__(self, name, value[1])
        else:
            self._absent.add(name)
            return False
        return True

    def __missing__(self, name):
        if self._resolve(name):
            return dict.__getitem__(self, name)
        raise KeyError(name)

    def __contains__(self, name):
        return self._resolve(name)

    def get(self, name, default=None):
        return self[name] if self._resolve(name) else default


# --------------------------------------------------------------------------- test cells


class Outputs:
    """The outputs of a test cell run here, in nbformat form."""

    def __init__(self):
        self.items: list = []
        self.budget = kernel_side.MAX_CAPTURE

    def write(self, name: str, text: str) -> None:
        text = text[: max(0, self.budget)]
        if not text:
            return
        self.budget -= len(text)
        last = self.items[-1] if self.items else None
        if last is not None and last.output_type == "stream" and last.name == name:
            last.text += text
        else:
            self.items.append(nbformat.v4.new_output("stream", name=name, text=text))

    def stream(self, name: str):
        owner = self

        class S(io.TextIOBase):
            def writable(self):
                return True

            def write(self, text):
                owner.write(name, str(text))
                return len(text)

        return S()


@functools.lru_cache(maxsize=512)  # a test cell's text is the same for every student
def _split_last_expression(source: str, name: str):
    tree = ast.parse(source, filename=name)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    return compile(tree, name, "exec"), (compile(last, name, "eval") if last else None)


def _error_output(exc: BaseException, name: str) -> nbformat.NotebookNode:
    render = getattr(exc, "_render_traceback_", None)
    if callable(render) and type(exc).__module__.startswith("mlinterview."):
        tb = render()
    else:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == name]
        tb = ["Traceback (most recent call last):"] + \
             [f'  Cell line {f.lineno}: {f.line}' for f in frames] + \
             traceback.format_exception_only(type(exc), exc)
    return _error(type(exc).__name__, str(exc), [line.rstrip("\n") for line in tb])


@contextlib.contextmanager
def _grader_hooks(checks, server: TestServer):
    """``checks`` builds stand-ins for the learner's classes here, and a time budget also
    forgives the kernel's waits for a busy CPU (not only this process's)."""
    saved = (checks._budget_threads, checks._cell_deadline,
             checks._stand_in_maker, checks._grading_stops)
    checks._stand_in_maker = server.stand_in
    checks._grading_stops = (KernelLost, TimeoutError)
    kernel = server.kernel
    checks._budget_threads = lambda: (kernel.pid,) if kernel.pid else ()
    checks._cell_deadline = server.deadline  # work done here (a SQL query) stops there too
    try:
        yield
    finally:
        (checks._budget_threads, checks._cell_deadline,
         checks._stand_in_maker, checks._grading_stops) = saved


def run_test_cell(source: str, grade_id: str, kernel: Kernel, count: int,
                  deadline: WaitForgivingDeadline) -> tuple[list, bool]:
    """Run one test cell here against the learner's state; (outputs, kernel still usable)."""
    from mlinterview import checks

    out = Outputs()
    server = TestServer(kernel, deadline, out)
    ns = LearnerNamespace(server)
    name = f"<test cell {grade_id}>"
    usable = True
    with contextlib.redirect_stdout(out.stream("stdout")), \
            contextlib.redirect_stderr(out.stream("stderr")), \
            warnings.catch_warnings(record=True) as caught, \
            _grader_hooks(checks, server), kernel.exchange_as_tempdir():
        warnings.simplefilter("default")
        try:
            body, last = _split_last_expression(source, name)
            exec(body, ns)  # noqa: S102 - trusted source: the test cell restored from source/
            if last is not None:
                value = eval(last, ns)  # noqa: S307
                if value is not None:
                    out.items.append(nbformat.v4.new_output(
                        "execute_result", data={"text/plain": repr(value)}, execution_count=count))
        except KernelLost:
            usable = False
            out.items.append(_error("DeadKernelError", "the kernel died"))
        except BaseException as exc:  # noqa: BLE001 - any failure of the test is its result
            out.items.append(_error_output(exc, name))
    for w in caught:
        out.write("stderr", warnings.formatwarning(w.message, w.category, w.filename, w.lineno))
    try:
        server.drop()
    except KernelLost:
        usable = False
    return out.items, usable


# --------------------------------------------------------------------------- one submission


@dataclass
class NotebookResult:
    name: str
    status: str                       # graded | missing | invalid
    message: str = ""
    notebook: str | None = None       # the executed notebook (JSON text)
    grades: dict = field(default_factory=dict)     # grade id -> [auto score or None, max score]
    comments: dict = field(default_factory=dict)   # grade id -> auto comment or None
    failures: dict = field(default_factory=dict)   # grade id -> first line of the error
    kernel_cpu: float = 0.0           # CPU seconds its kernels used: the learner's code's share


def _query_cpu() -> float:
    """The CPU seconds this process has spent running SQL queries (none if it never has)."""
    sql = sys.modules.get("mlinterview.sql")
    return sql.cpu_spent() if sql is not None else 0.0


class Grader:
    """One warm worker: configured nbgrader preprocessors, and a kernel factory (given, or
    started here) whose kernels hold nothing this worker has seen (see ``factory``)."""

    def __init__(self, settings: Settings, uid: int, kernels: factory.KernelFactory | None = None):
        from nbgrader.preprocessors import LimitOutput

        from .sanitise import Sanitiser

        self.settings, self.uid = settings, uid
        self.sanitise = Sanitiser(settings.db_url, settings.course_root)
        self.limit_output = LimitOutput(max_lines=settings.max_lines,
                                        max_traceback=settings.max_traceback)
        if kernels is None:
            from .runner import kernel_modules

            kernels = factory.KernelFactory.start(kernel_modules(), settings.data_dir)
        self.kernels = kernels
        # the trusted side and the kernel read the same data files
        os.environ["MLINTERVIEW_DATA"] = str(settings.data_dir)
        self.plan = sandbox.default_plan(settings.course_root, settings.data_dir)
        self.private_mounts = sandbox.private_mounts()
        from . import memo

        self._lessons: dict = {}
        self.references = memo.install()  # the same seeded cases for every student: computed once
        # what is here now lives as long as the worker: out of the collector's sight, so
        # a process forked from it (a Dask job's) does not copy every page of it when it collects
        gc.freeze()

    def grade(self, student: str, aid: str, notebooks: list[str], files: dict[str, bytes]) -> dict:
        start, cpu, queries = time.monotonic(), time.process_time(), _query_cpu()
        deadline = start + self.settings.submission_timeout
        results, problems = [], []
        missing_protections: list[str] = []
        submitted = {rel for rel in files if rel.endswith(".ipynb")}
        for name in notebooks:
            rel = f"{name}.ipynb"
            if rel not in files:
                others = sorted(submitted - {f"{n}.ipynb" for n in notebooks})
                hint = f" (found {', '.join(others)}: renamed?)" if others else ""
                results.append(NotebookResult(name, "missing", f"{rel} was not handed in{hint}"))
                continue
            try:
                nb = self._read(files[rel], rel)
                nb = self._sanitise(nb, student, aid, name)
            except ValueError as exc:
                results.append(NotebookResult(name, "invalid", str(exc)))
                continue
            result, lost = self._execute(nb, name, files, deadline, self._lesson(aid, name))
            missing_protections += lost
            results.append(result)
        for rel in sorted(submitted - {f"{n}.ipynb" for n in notebooks}):
            problems.append(f"{rel} is not a notebook of {aid}: not graded")
        return {"student": student, "notebooks": [r.__dict__ for r in results],
                "problems": problems, "seconds": round(time.monotonic() - start, 3),
                # where the CPU went: this worker's (tests, references, comparisons, nbgrader's
                # steps; of them, running the learner's SQL queries) and the kernels' (the
                # learner's code, the lessons' cells)
                "grader_cpu": round(time.process_time() - cpu, 3),
                "query_cpu": round(_query_cpu() - queries, 3),
                "kernel_cpu": round(sum(r.kernel_cpu for r in results), 3),
                "missing_protections": sorted(set(missing_protections))}

    def _read(self, data: bytes, rel: str) -> nbformat.NotebookNode:
        if len(data) > MAX_NOTEBOOK_BYTES:
            raise ValueError(f"{rel} is {len(data) / 1e6:.0f} MB, over the "
                             f"{MAX_NOTEBOOK_BYTES / 1e6:.0f} MB limit (clear its outputs)")
        try:
            text = data.decode("utf-8")
            nb = nbformat.reads(text, as_version=4)
        except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds
            raise ValueError(f"{rel} is not a readable notebook ({type(exc).__name__}: "
                             f"{str(exc)[:200]})") from None
        if nb.get("nbformat") != 4:
            raise ValueError(f"{rel} has nbformat {nb.get('nbformat')!r}; expected 4")
        return nb

    def _sanitise(self, nb, student, aid, name):
        try:
            return self.sanitise(nb, student, aid, name)
        except Exception as exc:  # noqa: BLE001 - nbgrader's own refusal, reported as such
            raise ValueError(f"{name}.ipynb was refused by nbgrader: {str(exc)[:300]}") from None

    def _lesson(self, aid: str, name: str) -> tuple[frozenset, frozenset]:
        """The author's cells of ``source/<aid>/<name>.ipynb``: (the texts tagged
        ``skip-when-grading``, the texts of every cell that is not an answer)."""
        path = self.settings.course_root / "source" / aid / f"{name}.ipynb"
        try:
            key = (path, path.stat().st_mtime_ns)
        except OSError:
            return frozenset(), frozenset()
        if key not in self._lessons:
            from mlinterview.course import CourseError, read_ipynb

            try:
                source = read_ipynb(path)
            except CourseError:  # an unreadable source: leave nothing out, as stock would
                return frozenset(), frozenset()
            code = [c for c in source.cells if c.cell_type == "code"]
            self._lessons[key] = (
                frozenset(c.source for c in code if cellflow.SKIP_TAG in c.metadata.get("tags", ())
                          and "nbgrader" not in c.metadata),
                frozenset(c.source for c in code
                          if not c.metadata.get("nbgrader", {}).get("solution")))
        return self._lessons[key]

    def _execute(self, nb, name: str, files: dict, deadline: float,
                 lesson: tuple[frozenset, frozenset] = (frozenset(), frozenset()),
                 ) -> tuple[NotebookResult, list]:
        from nbgrader import utils

        code = [cell for cell in nb.cells if cell.cell_type == "code"]
        skip = {id(code[i]) for i in cellflow.plan([c.source for c in code], *lesson).skip}
        kernel = Kernel(self.settings, files, self.uid, self.kernels, self.plan, self.private_mounts)
        ran: list[str] = []  # ordinary cells that ran (replayed into a restarted kernel)
        failures: dict[str, str] = {}
        notes: list[str] = []  # what a restart could not restore, for the report
        count = 0
        try:
            kernel.start()
            lost = list(kernel.missing)
            for cell in nb.cells:
                if cell.cell_type != "code":
                    continue
                count += 1
                cell.execution_count = count
                left = deadline - time.monotonic()
                if left <= 0:
                    cell.outputs = [_error("TimeoutError", "the submission's time limit was reached "
                                           "before this cell ran")]
                    continue
                timeout = min(self.settings.cell_timeout, left)
                if id(cell) in skip:  # nothing later depends on it: see mlinterview.cellflow
                    cell.execution_count = None
                    cell.outputs = [nbformat.v4.new_output(
                        "stream", name="stdout", text=SKIPPED_NOTE)]
                    continue
                if kernel.broken:
                    self._restart(kernel, ran, deadline, notes)
                if utils.is_grade(cell) and not utils.is_solution(cell):
                    # the grader's own work and the learner's calls both count, without
                    # the time either waited for a busy CPU
                    clock = WaitForgivingDeadline(timeout, (kernel.pid,) if kernel.pid else (),
                                                  limit=deadline)
                    cell.outputs, usable = run_test_cell(
                        cell.source, cell.metadata.nbgrader["grade_id"], kernel, count, clock)
                    if not usable:
                        self._restart(kernel, ran, deadline, notes)
                    continue
                try:
                    cell.outputs = kernel.run(cell.source, count, timeout, deadline)
                    ran.append(cell.source)
                except KernelLost as exc:
                    cell.outputs = [_error("DeadKernelError", str(exc))]
                    self._restart(kernel, ran, deadline, notes)
        finally:
            kernel.remove()
        nb, _ = self.limit_output.preprocess(nb, {})
        result = NotebookResult(name, "graded", "; ".join(notes), kernel_cpu=round(kernel.cpu, 3))
        for cell in nb.cells:
            if utils.is_grade(cell):
                score, most = utils.determine_grade(cell)
                result.grades[cell.metadata.nbgrader["grade_id"]] = [score, most]
                errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
                stderr = [o for o in cell.get("outputs", [])
                          if o.output_type == "stream" and o.name == "stderr"]
                if errors:
                    failures[cell.metadata.nbgrader["grade_id"]] = \
                        f"{errors[0].ename}: {errors[0].evalue}".splitlines()[0][:300]
                elif stderr:
                    failures[cell.metadata.nbgrader["grade_id"]] = \
                        "wrote to stderr: " + stderr[0].text.strip().splitlines()[0][:250] \
                        if stderr[0].text.strip() else "wrote to stderr"
            if utils.is_solution(cell) or utils.is_task(cell):
                same = cell.metadata.nbgrader.get("checksum") == utils.compute_checksum(cell)
                result.comments[cell.metadata.nbgrader["grade_id"]] = \
                    "No response." if same and not utils.is_task(cell) else None
        result.failures = failures
        result.notebook = nbformat.writes(nb)
        return result, lost

    def _restart(self, kernel: Kernel, ran: list[str], deadline: float, notes: list[str]) -> None:
        """A fresh kernel with the ordinary cells that ran before replayed in order. A cell
        that loses the kernel again is tried once more from a fresh start (a busy machine
        can make a start slow), then left out, and the replay begins again without it, so
        the cells before it are never missing from the state the next cells see."""
        failures: dict[str, int] = {}
        while True:
            kernel.close()
            kernel.start()
            for i, source in enumerate(list(ran)):
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                try:
                    kernel.run(source, i + 1, min(self.settings.cell_timeout, left), deadline)
                except KernelLost as exc:
                    failures[source] = failures.get(source, 0) + 1
                    if failures[source] > 1:
                        ran.remove(source)
                        notes.append(f"after a restart, ordinary cell {i + 1} lost the kernel "
                                     f"twice while replayed and was left out ({exc})")
                    break
            else:
                return
