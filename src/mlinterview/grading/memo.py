"""Reference answers computed once per run, not once per student.

Every student's hidden tests call the same references (``m06.sessions_reference``,
``m03_toolkit.kmeans_sklearn``...) on the same seeded cases; under stock
nbgrader each kernel recomputes them. A grading worker lives across many
submissions, so it keeps each reference's result keyed by the exact bytes of
its arguments and hands out a fresh copy (a comparison may modify what it
gets). Only pure functions qualify: the course's ``*_reference`` and
``*_sklearn`` functions, and those an exercise module names in ``MEMOISE``
(seeded generators such as ``m06.make_shop``). An argument that names a file
is never cached (a reference that reads or writes a path runs every time), except
for the functions an exercise module names in ``MEMOISE_READS``: those only read
the files their path arguments name, and depend on those files' bytes, not on
their names (m05's ``load_reference``, given a fresh temporary copy of the same
CSV for each student: 18% of a grading worker's CPU on m05, computed again each
time). Such a call is keyed by each file's bytes (and name's suffix, which
``read_csv`` reads as a compression), and its result kept only if the files were
the same after it ran.

The workers of one run share what they compute (:class:`Shared`): the first
to need a result computes it while any other that needs it waits, so a cold
start costs the run the references once, not once per worker (m06's seeded
shops and references: 1.8 s of CPU per worker).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import hmac
import importlib
import os
import pickle
import pkgutil
import stat
import sys
import types
from pathlib import Path

SUFFIXES = ("_reference", "_sklearn")
MAX_ENTRIES = 4096
MAX_SHARED_BYTES = 256 * 2**20  # a larger result is kept by the worker that made it


MAX_READ_BYTES = 64 * 2**20  # a larger file is read by the reference each time


def _key(func, args: tuple, kwargs: dict, reads_files: bool = False) -> bytes | None:
    """The key of a call, or None: not cached (an argument naming a file, unless the function
    only reads files, ``reads_files``; an argument that does not pickle)."""
    if any(isinstance(a, (os.PathLike, str)) and _looks_like_path(a) for a in (*args, *kwargs.values())):
        if not reads_files:
            return None
        try:
            args = tuple(_file_stand_in(a) for a in args)
            kwargs = {k: _file_stand_in(v) for k, v in kwargs.items()}
        except _NotAFile:
            return None
    sql = sys.modules.get("mlinterview.sql")  # loaded where a test runs queries
    if sql is not None:  # a dataset whose content key is known: that key stands for its tables
        args = tuple(("mlinterview.sql.Dataset", a.content_key)
                     if isinstance(a, sql.Dataset) and a.content_key is not None else a
                     for a in args)
    try:
        data = pickle.dumps((func.__module__, func.__qualname__, args, sorted(kwargs.items())),
                            protocol=5)
    except Exception:  # noqa: BLE001 - arguments that do not pickle are not cached
        return None
    return hashlib.blake2b(data, digest_size=20).digest()


def _looks_like_path(value) -> bool:
    return isinstance(value, os.PathLike) or "/" in value or value.endswith((".csv", ".parquet"))


class _NotAFile(Exception):
    """A path argument that is not a regular file this process can read whole."""


def _file_stand_in(value):
    """What stands for a path argument in a key: its suffix and the digest of its file's
    bytes. Opened without blocking and checked to be a regular file first: a FIFO a
    learner left in its place would otherwise hang the grader here."""
    if not (isinstance(value, (os.PathLike, str)) and _looks_like_path(value)):
        return value
    try:
        fd = os.open(os.fspath(value), os.O_RDONLY | os.O_NONBLOCK)
    except (OSError, TypeError, ValueError):
        raise _NotAFile() from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_READ_BYTES:
            raise _NotAFile()
        with os.fdopen(os.dup(fd), "rb") as fh:
            digest = hashlib.blake2b(fh.read(MAX_READ_BYTES + 1), digest_size=20).hexdigest()
    except OSError:
        raise _NotAFile() from None
    finally:
        os.close(fd)
    return ("mlinterview.memo.file", Path(os.fspath(value)).suffix.lower(), digest)


class Shared:
    """Results the workers of one run hand each other: one signed file per result in
    ``folder``, made by the run for itself alone (under the temporary folder, which no
    kernel sees; see ``sandbox.default_plan``).

    Each file starts with an HMAC of its bytes under ``secret``, which only the run's
    grading processes hold: a file anyone else wrote or changed is ignored and computed
    again, never unpickled. A result is computed under an exclusive lock on its own lock
    file, so a second worker that needs it waits for it rather than computing it too; a
    worker that dies holding a lock releases it (the kernel drops a dead process's locks).
    """

    def __init__(self, folder: Path, secret: bytes):
        self.folder, self.secret = Path(folder), secret
        self.written = 0

    def _sign(self, data: bytes) -> bytes:
        return hmac.new(self.secret, data, hashlib.sha256).digest()

    def _read(self, path: Path) -> bytes | None:
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        mac, data = raw[:32], raw[32:]
        return data if hmac.compare_digest(mac, self._sign(data)) else None

    def _write(self, path: Path, data: bytes) -> None:
        if len(data) > MAX_SHARED_BYTES or self.written >= MAX_ENTRIES:
            return
        part = path.with_name(f"{path.name}.{os.getpid()}.part")
        try:
            part.write_bytes(self._sign(data) + data)
            os.replace(part, path)  # whole or not at all, for a reader
            self.written += 1
        except OSError:  # a full disk: the result is only this worker's
            with contextlib.suppress(OSError):
                part.unlink()

    def fetch(self, key: bytes, compute) -> bytes | None:
        """The stored bytes for ``key``: another worker's, or ``compute()``'s (None: not
        storable), computed here while the others that need it wait."""
        path = self.folder / f"{key.hex()}.pkl"
        stored = self._read(path)
        if stored is not None:
            return stored
        try:
            lock = open(self.folder / f"{key.hex()}.lock", "a")  # noqa: SIM115 - held below
        except OSError:  # the folder is gone (the run is ending): compute alone
            return compute()
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                stored = self._read(path)  # made while this worker waited
                if stored is None:
                    stored = compute()
                    if stored is not None:
                        self._write(path, stored)
                return stored
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


_SHARED: list[Shared] = []  # this process's link to its run's other workers, once shared
PREFIX = "mlinterview-memo-"


def for_run(stack: contextlib.ExitStack) -> tuple[Path, bytes]:
    """(folder, secret) for one run's workers: a folder of the run's own under the temporary
    folder, removed when ``stack`` closes, and a key no other process has. Folders of runs
    stopped with ``kill -9`` (their process is gone) are removed first."""
    import secrets
    import tempfile

    from .sandbox import remove_left_behind

    remove_left_behind(PREFIX)
    folder = stack.enter_context(tempfile.TemporaryDirectory(prefix=f"{PREFIX}{os.getpid()}-"))
    return Path(folder), secrets.token_bytes(32)


def share(folder: Path | None, secret: bytes | None) -> None:
    """Hand results to, and take them from, the other workers of this run (a worker's
    first step); ``None`` keeps them to this process."""
    _SHARED[:] = [Shared(folder, secret)] if folder is not None and secret else []


def memoised(func, cache: dict, reads_files: bool = False):
    """``func`` computed once per key (see ``_key``; ``reads_files``: it only reads the files
    its path arguments name), each caller given a fresh copy."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        key = _key(func, args, kwargs, reads_files)
        if key is None:
            return func(*args, **kwargs)
        stored = cache.get(key)
        if stored is None:
            made = []

            def compute() -> bytes | None:
                made.append(func(*args, **kwargs))
                if reads_files and _key(func, args, kwargs, reads_files) != key:
                    return None  # a file changed while it was read: this result is no one's
                try:
                    return pickle.dumps(made[0], protocol=5)
                except Exception:  # noqa: BLE001 - a result that does not pickle is not cached
                    return None

            stored = _SHARED[0].fetch(key, compute) if _SHARED else compute()
            if stored is None:
                return made[0]
            if len(cache) < MAX_ENTRIES:
                cache[key] = stored
        return pickle.loads(stored)  # noqa: S301 - bytes a grading process of this run pickled

    wrapper.__mlinterview_memoised__ = True
    return wrapper


_CACHE: dict[bytes, bytes] = {}  # one per process; a worker forked from it inherits what it holds


def install() -> dict:
    """Memoise the course's reference functions in this (grading) process; again is a no-op."""
    import mlinterview.exercises as exercises

    cache = _CACHE
    for info in pkgutil.iter_modules(exercises.__path__):
        module = importlib.import_module(f"mlinterview.exercises.{info.name}")
        reads = set(getattr(module, "MEMOISE_READS", ()))
        named = set(getattr(module, "MEMOISE", ())) | reads
        for name, obj in list(vars(module).items()):
            if isinstance(obj, types.FunctionType) and (name.endswith(SUFFIXES) or name in named) \
                    and obj.__module__ == module.__name__ \
                    and not getattr(obj, "__mlinterview_memoised__", False):
                setattr(module, name, memoised(obj, cache, reads_files=name in reads))
    return cache
