"""The boundary between the trusted grader and the learner's kernel.

Messages are length-prefixed pickles on a Unix socket. The kernel trusts what
the grader sends (the grader is the trusted side), so it may use plain
``pickle``. The grader never does: whatever comes from the kernel is decoded
by :class:`SafeUnpickler`, which builds only plain data (builtin containers
and scalars, NumPy arrays, dtypes and scalars, pandas frames, series, indexes
and missing-value markers). A learner who returns an object of their own class
gets a *handle* instead (an id the grader can ask more questions about), never
an object whose code runs in the grader.
"""

from __future__ import annotations

import io
import pickle
import select
import socket
import struct
import time

# A learner may write anything on the socket; the grader reads at most this
# much per message, so a "value" cannot exhaust the grader's memory.
MAX_MESSAGE = 64 * 1024 * 1024
_HEADER = struct.Struct("!Q")

SAFE_GLOBALS = {
    ("builtins", n) for n in ("complex", "range", "slice", "set", "frozenset", "bytearray")
} | {
    ("pathlib", n) for n in ("PosixPath", "PurePosixPath")
} | {
    (m, n)
    for m in ("numpy.core.multiarray", "numpy._core.multiarray")
    for n in ("_reconstruct", "scalar")
} | {
    ("numpy", "dtype"), ("numpy", "ndarray"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
} | {
    ("pandas", n) for n in ("Categorical", "CategoricalDtype", "DataFrame", "DatetimeIndex",
                            "Index", "Int64Dtype", "Int32Dtype", "Float64Dtype", "BooleanDtype",
                            "MultiIndex", "NA", "RangeIndex", "Series", "StringDtype",
                            "Timestamp", "Timedelta", "TimedeltaIndex", "PeriodDtype",
                            "DatetimeTZDtype", "IntervalDtype")
} | {
    ("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked"),
    ("pandas._libs.internals", "_unpickle_block"),
    ("pandas._libs.tslibs.nattype", "_nat_unpickle"),
    ("pandas._libs.tslibs.timestamps", "_unpickle_timestamp"),
    ("pandas._libs.tslibs.timedeltas", "_timedelta_unpickle"),
    ("pandas.core.indexes.base", "_new_Index"),
    ("pandas.core.indexes.datetimes", "_new_DatetimeIndex"),
    ("pandas.core.internals.managers", "BlockManager"),
    ("pandas.core.internals.managers", "SingleBlockManager"),
} | {
    ("pandas.arrays", n) for n in ("DatetimeArray", "IntegerArray", "StringArray", "BooleanArray",
                                   "FloatingArray", "TimedeltaArray")
}


class UnsafeData(pickle.UnpicklingError):
    """The kernel sent something other than plain data."""


class SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in SAFE_GLOBALS:
            raise UnsafeData(f"refused to rebuild {module}.{name} from the learner's kernel")
        return super().find_class(module, name)

    def persistent_load(self, pid):
        # Handles to learner objects: ("handle", id, type name, callable?).
        if isinstance(pid, tuple) and len(pid) == 4 and pid[0] == "handle" \
                and isinstance(pid[1], int) and isinstance(pid[2], str):
            return HandleRef(pid[1], pid[2][:200], bool(pid[3]))
        raise UnsafeData("malformed handle from the learner's kernel")


def safe_loads(data: bytes):
    return SafeUnpickler(io.BytesIO(data)).load()


class HandleRef:
    """A learner object that stays in the kernel: the grader holds its id only."""

    __slots__ = ("id", "type_name", "callable")

    def __init__(self, id_: int, type_name: str, callable_: bool):
        self.id, self.type_name, self.callable = id_, type_name, callable_


class ChannelClosed(Exception):
    """The other side died or closed the socket."""


class ChannelTimeout(Exception):
    """The other side did not answer in time."""


def send(sock: socket.socket, obj, pickler_class=pickle.Pickler) -> None:
    buf = io.BytesIO()
    pickler_class(buf, protocol=5).dump(obj)
    data = buf.getvalue()
    sock.sendall(_HEADER.pack(len(data)) + data)


def _recv_exact(sock: socket.socket, n: int, deadline) -> bytes:
    """``deadline``: a time.monotonic(), or an object whose ``left()`` says how long is left
    and may grow (a cell limit that forgives waits for a busy CPU: ``checks``)."""
    chunks, got = [], 0
    while got < n:
        while deadline is not None:
            left = deadline.left() if hasattr(deadline, "left") else deadline - time.monotonic()
            if left <= 0:
                raise ChannelTimeout()
            ready, _, _ = select.select([sock], [], [], left)
            if ready:
                break
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise ChannelClosed()
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def recv_raw(sock: socket.socket, deadline=None) -> bytes:
    (n,) = _HEADER.unpack(_recv_exact(sock, _HEADER.size, deadline))
    if n > MAX_MESSAGE:
        raise ChannelClosed(f"message of {n} bytes is over the {MAX_MESSAGE} byte limit")
    return _recv_exact(sock, n, deadline)


def recv_untrusted(sock: socket.socket, deadline=None):
    """A message from the learner's side, decoded as plain data only."""
    data = recv_raw(sock, deadline)
    try:
        return safe_loads(data)
    except UnsafeData:
        raise
    except Exception as exc:  # noqa: BLE001 - any malformed pickle is the learner's doing
        raise UnsafeData(f"malformed message from the learner's kernel: {type(exc).__name__}") from None


_NOT_REBUILT = (KeyboardInterrupt, SystemExit, GeneratorExit)
# modules whose exceptions cross by their full name (scikit-learn's estimator checks want a
# NotFittedError, not the ValueError it derives from); every other class by its builtin name
LIBRARY_EXCEPTIONS = ("sklearn.exceptions.",)


def exception_names(cls) -> list[str]:
    """How an exception's class crosses: its MRO's names, full for :data:`LIBRARY_EXCEPTIONS`."""
    names = []
    for c in cls.__mro__:
        full = f"{c.__module__}.{c.__qualname__}"
        names.append(full if full.startswith(LIBRARY_EXCEPTIONS) else c.__name__)
    return names


def _library_exception(name: str):
    import importlib

    module, _, attr = name.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module), attr, None)
    except ImportError:
        return None
    return cls if isinstance(cls, type) and issubclass(cls, Exception) else None


def rebuild_exception(names, text) -> Exception:
    """An exception from the other side, as a builtin exception of the nearest class
    (by name only: no class of the other side's is ever loaded)."""
    import builtins

    message = text if isinstance(text, str) else ""
    for name in names if isinstance(names, list) else []:
        cls = getattr(builtins, name, None) if isinstance(name, str) else None
        if isinstance(name, str) and name.startswith(LIBRARY_EXCEPTIONS):
            cls = _library_exception(name)
        if isinstance(cls, type) and issubclass(cls, BaseException):
            if issubclass(cls, _NOT_REBUILT) or not issubclass(cls, Exception):
                return RuntimeError(f"your code raised {name}: {message}")
            try:
                return cls(message)
            except Exception:  # noqa: BLE001 - exceptions needing other arguments
                return RuntimeError(f"{name}: {message}")
    return RuntimeError(message)
