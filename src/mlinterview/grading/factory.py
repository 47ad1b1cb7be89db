"""Where kernels are born: a process that has never held anything a learner may not see.

A forked process holds a copy of everything its parent held, and the learner's code
can read all of it: live objects (``gc.get_objects()``), freed memory not yet reused
(its own address space, through ``ctypes``), the environment the parent was started
with (``/proc/self/environ``). A grading worker holds the hidden tests and the course's
solution (it runs the test cells, and grades ``source/`` first), the reference answers
it has computed, the submissions of the students it graded before (the writer read
every submission before it forked the workers), and the instructor's environment. So
kernels are not forked from a worker.

They are forked from the **factory**: a Python *started afresh* (``exec``, not a fork)
with a short environment, which imports what this assignment's kernels need (the modules
its notebooks' ordinary cells import, and theirs: ``runner.kernel_modules``), readies an
IPython shell, and then
only waits. A worker asks it for a kernel by sending, over the factory's control socket,
two sockets of a fresh pair each: one to talk to the new kernel's parent (the
*middle*: it joins the kernel's control group, enters the new namespaces, forks the
kernel and waits for it), and the kernel's own end of the conversation. The middle
receives that student's files and nothing else, so a kernel holds its own submission
and the libraries, and no more.

The factory ends when every holder of the control socket (the writer, the workers) has
closed it. It is trusted code: only the grader's processes hold the control socket
(the middle closes it before it forks the kernel).
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import select
import signal
import socket
import subprocess
import sys
import time
import weakref
from typing import NoReturn

from . import wire

# what the factory's environment keeps of the instructor's: what Python, the libraries'
# thread pools and matplotlib's caches need; a kernel's own is set again in the sandbox
KEPT_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "MPLCONFIGDIR", "XDG_CACHE_HOME",
            "MLINTERVIEW_DATA")
START_PATIENCE = 120.0  # seconds a first request may wait while the factory imports
_REQUEST = b"kernel"


class FactoryGone(OSError):
    """The kernel factory stopped: no kernel can be started."""


class KernelFactory:
    """The grader's handle on a factory process (see the module's note)."""

    def __init__(self, proc: subprocess.Popen, ctl: socket.socket):
        self.proc, self.ctl = proc, ctl
        self._finalizer = weakref.finalize(self, _stop, proc, ctl, os.getpid())

    @classmethod
    def start(cls, modules: list[str], data_dir: str | os.PathLike | None = None) -> KernelFactory:
        """A new factory that imports ``modules`` (names; one that fails to import is left
        out) and hands ``data_dir`` to its kernels as ``MLINTERVIEW_DATA``."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        from .runner import THREAD_VARS

        env = {k: os.environ[k] for k in KEPT_ENV if k in os.environ}
        # one BLAS/OpenMP thread, as everywhere in grading (runner.one_thread); and the
        # factory forks, so it must have no thread but its own
        env.update(dict.fromkeys(THREAD_VARS, "1"))
        if data_dir is not None:
            env["MLINTERVIEW_DATA"] = str(data_dir)
        # the setup comes on stdin, not in the environment: a kernel can read the
        # environment its factory was started with (/proc/self/environ)
        proc = subprocess.Popen(
            [sys.executable, "-c", "import json, sys; setup = json.load(sys.stdin); "
             "sys.path[:] = setup['path']; from mlinterview.grading.factory import main; "
             "main(int(sys.argv[1]), setup['modules'])", str(theirs.fileno())],
            # this very interpreter, reached without its path: an instructor's Python may
            # live where the grader, once it is an ordinary user, may not look (/root)
            executable="/proc/self/exe" if os.path.exists("/proc/self/exe") else None,
            env=env, pass_fds=(theirs.fileno(),), cwd="/", stdin=subprocess.PIPE,
            start_new_session=True)
        theirs.close()
        # the same import path as this process (an editable install, a test run's src/)
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.write(json.dumps({"path": sys.path, "modules": list(modules)}).encode())
            proc.stdin.close()
        return cls(proc, ours)

    def request(self, middle_end: socket.socket, kernel_end: socket.socket, own_mounts: bool) -> None:
        """Ask for a kernel: its middle will talk on ``middle_end``'s peer; with
        ``own_mounts``, it is born in this process's mount namespace (see ``ask``)."""
        fds = [middle_end.fileno(), kernel_end.fileno()]
        try:
            if own_mounts:
                fds.append(os.open("/proc/self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC))
            socket.send_fds(self.ctl, [_REQUEST], fds)
        except OSError as exc:
            raise FactoryGone(f"the kernel factory has stopped ({exc.strerror or exc}); "
                              f"its exit status: {self.proc.poll()}") from None
        finally:
            if own_mounts and len(fds) == 3:
                os.close(fds[2])

    def close(self) -> None:
        self._finalizer()

    def discard(self) -> None:
        """End a factory that was asked for no kernel, at once: ``close`` would wait for
        it to finish importing before it notices."""
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        self._finalizer()


def _stop(proc: subprocess.Popen, ctl: socket.socket, owner: int) -> None:
    if os.getpid() != owner:  # a forked worker's copy: the writer ends the factory
        return
    ctl.close()  # the factory ends when no one holds the other end
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --------------------------------------------------------------------------- the factory itself


def main(ctl_fd: int, modules: list[str]) -> NoReturn:  # pragma: no cover - the factory's process
    ctl = socket.socket(fileno=ctl_fd)
    import importlib

    from . import kernel as kernel_side

    for name in modules:
        with contextlib.suppress(Exception):  # a module that will not import is the kernel's problem
            importlib.import_module(name)
    shell = kernel_side.Shell()
    shell.warm_up()
    _warm_libraries()
    import gc

    gc.collect()
    gc.freeze()  # a kernel forked from here need not copy every page the first time it collects
    while True:
        _reap()
        ready, _, _ = select.select([ctl], [], [], 5.0)
        if not ready:
            continue
        try:
            message, fds, _, _ = socket.recv_fds(ctl, 64, 3)
        except InterruptedError:
            continue
        if not message and not fds:  # every holder of the other end has closed it
            # leave without the interpreter's teardown: there is nothing to clean up, and
            # DuckDB's bindings print pages of "nanobind: leaked instance" lines to the
            # instructor's terminal when Python finalises with their objects alive
            sys.stderr.flush()
            os._exit(0)
        if message != _REQUEST or len(fds) not in (2, 3):
            for fd in fds:
                os.close(fd)
            continue
        pid = os.fork()
        if pid == 0:
            try:
                ctl.close()
                _middle(socket.socket(fileno=fds[0]), socket.socket(fileno=fds[1]),
                        fds[2] if len(fds) == 3 else None, shell)
            finally:
                os._exit(0)
        for fd in fds:
            os.close(fd)


def _warm_libraries() -> None:  # pragma: no cover - runs in the factory's own process
    """What every kernel would otherwise do first, once, here: DuckDB's first query on
    pandas tables (its one-off setup), and each exercise module's ``warm_kernel()``
    (reading the shipped data files its lessons load). Every DuckDB database is closed
    afterwards, and the thread that timed the queries ended: an open database keeps
    threads, and the factory forks. Only what this
    assignment's kernels import (``runner.kernel_modules``) is warmed."""
    if "mlinterview.sql" not in sys.modules:  # this assignment's kernels do not query
        _warm_exercises()
        return
    try:
        import pandas as pd

        from mlinterview import sql

        # a statement that is not a SELECT: a private database, closed afterwards
        sql.run("CREATE TEMP TABLE w AS SELECT 1; SELECT * FROM t", {"t": pd.DataFrame({
            "i": pd.array([1, None], dtype="Int64"), "f": [0.5, None], "s": ["a", None],
            "d": pd.to_datetime(["2024-01-01", None])})})
    except Exception:  # noqa: BLE001, S110 - a kernel then does it itself
        pass
    finally:
        with contextlib.suppress(Exception):
            import duckdb

            # its module-level parser (used by sql.run) opened DuckDB's default database;
            # a kernel opens its own when it first needs it
            default = duckdb.default_connection
            (default() if callable(default) else default).close()
    _warm_exercises()
    sys.modules["mlinterview.sql"].stop_watchdog()  # the thread that timed the queries


def _warm_exercises() -> None:  # pragma: no cover - runs in the factory's own process
    for name, module in sorted(sys.modules.items()):
        if name.startswith("mlinterview.exercises.") and callable(getattr(module, "warm_kernel", None)):
            with contextlib.suppress(Exception):  # a missing file is the kernel's to report
                module.warm_kernel()


def _reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _middle(conn: socket.socket, theirs: socket.socket, mounts: int | None,
            shell) -> None:  # pragma: no cover - runs in the factory's child
    """The kernel's parent: its group, its namespaces, then the kernel; waits for it."""
    from . import kernel as kernel_side
    from . import sandbox

    job = pickle.loads(wire.recv_raw(conn))  # noqa: S301 - from a grader process
    if mounts is not None:  # the worker's exchange is a tmpfs only its mount namespace has
        sandbox.join_mounts(mounts)
        os.close(mounts)
    os.environ["MLINTERVIEW_DATA"] = job["data_dir"]
    grouped = False
    if job["group"] is not None:
        with contextlib.suppress(OSError):
            sandbox.KernelGroup(job["group"]).join()  # before the kernel is forked: born there
            grouped = True
    missing, userns = sandbox.enter_namespaces()
    if job["group"] is None or not grouped:
        missing.append("cgroup")
    pid = os.fork()
    if pid == 0:
        try:
            conn.close()
            sandbox.confine(job["plan"], job["files"], job["uid"], job["limits"],
                            "mount" not in missing, (theirs.fileno(),), userns)
            del job
            kernel_side.serve(theirs, shell)
        finally:
            os._exit(70)
    theirs.close()
    del job
    wire.send(conn, (pid, missing))
    # until the kernel is gone (its SIGCHLD wakes the wait at once); a worker that died
    # (its end closed) takes its kernel along
    woken, wake = os.pipe()
    os.set_blocking(wake, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake)
    while not (gone := os.wait4(pid, os.WNOHANG))[0]:
        ready, _, _ = select.select([conn, woken], [], [], 5.0)
        if woken in ready:
            os.read(woken, 4096)
        if conn in ready and not conn.recv(4096):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return
    # the CPU the kernel used (with the processes it started and reaped): what the worker
    # records as the learner's code's share of grading the submission
    usage = gone[2]
    with contextlib.suppress(OSError):
        wire.send(conn, usage.ru_utime + usage.ru_stime)


def ask(factory: KernelFactory, job: dict, kernel_end: socket.socket,
        own_mounts: bool = False) -> tuple[socket.socket, int, list]:
    """Start a kernel: (the socket its middle holds until the kernel has died, the kernel's
    pid, the protections it lacks). ``kernel_end`` is the kernel's side of its socket; it
    is handed over (closed here). ``own_mounts``: the kernel's mounts start from this
    process's (a worker that mounted its exchange folder privately), not the factory's."""
    mine, middles = socket.socketpair()
    try:
        factory.request(middles, kernel_end, own_mounts)
    finally:
        middles.close()
        kernel_end.close()
    try:
        wire.send(mine, job)
        pid, missing = pickle.loads(wire.recv_raw(mine, time.monotonic() + START_PATIENCE))  # noqa: S301
    except (wire.ChannelClosed, wire.ChannelTimeout, OSError) as exc:
        mine.close()
        raise FactoryGone(f"the kernel factory did not start a kernel ({type(exc).__name__}); "
                          f"its exit status: {factory.proc.poll()}") from None
    return mine, pid, missing


def wait_gone(mine: socket.socket, patience: float = 30.0) -> float | None:
    """Wait until the middle has seen its kernel die (it then closes its end); the CPU
    seconds the kernel used, as its middle reports them (None: not reported)."""
    cpu = None
    deadline = time.monotonic() + patience
    with contextlib.suppress(OSError, wire.ChannelClosed, wire.ChannelTimeout,
                             pickle.PickleError, EOFError, ValueError):
        # one float from the middle. The kernel cannot write here (it closes its copy of the
        # middle's socket before it runs a line of the learner's); plain data all the same
        said = wire.safe_loads(wire.recv_raw(mine, deadline))
        cpu = float(said) if isinstance(said, float) else None
    with contextlib.suppress(OSError):
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([mine], [], [], left)
            if ready and not mine.recv(4096):
                break
    mine.close()
    return cpu
