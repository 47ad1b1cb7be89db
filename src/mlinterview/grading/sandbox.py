"""The sandbox a learner's kernel runs in (Linux; the strongest parts need root).

Entered by a freshly forked process, before any learner code runs:

* new **PID namespace**: the kernel is process 1 of its own namespace, so when
  it is killed every process it started dies with it, and it sees no other
  process (a fresh ``/proc``);
* new **network namespace**: no interface but a downed loopback;
* new **mount namespace**: the course folder (gradebook, ``source/``, other
  students' ``submitted/`` and ``autograded/``), the temporary folder, home
  folders and ``/dev/shm`` are covered by empty tmpfs; the Python environment,
  the package and ``data/`` are mounted back read-only; the submission is a
  copy in a private tmpfs;
* resource limits (address space, CPU seconds, processes, file size, open
  files, no core dumps), a scrubbed environment, standard streams to
  ``/dev/null``, and an unprivileged user id of its own (so its process limit
  is not shared with other kernels and it cannot signal the grader);
* a **control group** of its own (:class:`KernelGroup`): the limits above
  count each process alone, so without it a fork bomb's 64 children could
  each take the memory limit (the machine's memory, together) and 64 shares
  of the CPU from other students' kernels. In the group they share one
  memory limit and one kernel's share of the CPU.

Not root, the namespaces come from a user namespace of the kernel's own
(:func:`enter_user_namespace`, where the machine lets ordinary users make one);
after its mounts the kernel moves into a nested one (:func:`leave_power`), so
it cannot undo them. The separate user id is then what is missing.

Where a protection cannot be had (namespaces disabled), the kernel still runs
and :func:`probe` names what is missing, so the grader can say it.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import resource
import secrets
import signal
import stat
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWNET = 0x20000, 0x8000000, 0x20000000, 0x40000000
CLONE_NEWUSER = 0x10000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
MS_NOEXEC, MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 8, 1024, 2048, 1 << 21
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
# where the folders to expose wait while everything else is covered: under /dev,
# which is never covered (a folder under /run or /tmp would be hidden with them);
# one per process, so parallel workers never share it
STAGE_PARENT = "/dev"
FIRST_UID = 200_000  # unprivileged ids with no account: one per worker

_libc = ctypes.CDLL(None, use_errno=True)


class SandboxError(OSError):
    pass


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise SandboxError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int, what: str) -> None:
    _check(_libc.unshare(flags), f"unshare({what})")


def join_mounts(fd: int) -> None:
    """Move the calling (single-threaded) process into the mount namespace ``fd`` refers to:
    a kernel's parent joins its worker's, where the worker's exchange folder is mounted."""
    _check(_libc.setns(fd, CLONE_NEWNS), "setns(mount)")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    enc = lambda s: s.encode() if s is not None else None  # noqa: E731
    _check(_libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


@dataclass
class Limits:
    memory_mb: int = 2048          # on top of what the warm kernel already maps
    # all the kernel's processes together, counted in a control group of its own where the
    # machine gives one (see KernelGroup); 0: none
    kernel_memory_mb: int = 3072
    cpu_seconds: int = 600         # the whole submission
    processes: int = 64
    file_mb: int = 64
    open_files: int = 256
    tmp_mb: int = 256


@dataclass
class Plan:
    """What the kernel may see: folders to cover, and what to mount back read-only."""

    hide: list[str] = field(default_factory=list)
    expose: list[str] = field(default_factory=list)
    share: list[str] = field(default_factory=list)  # mounted back read-write (the exchange folder)


# what a Python kernel needs of the machine; everything else at the top is hidden
SYSTEM_DIRS = {"/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/etc",
               "/proc", "/sys", "/dev"}


def default_plan(course_root: Path, data_dir: Path | None = None) -> Plan:
    import mlinterview

    package_src = Path(mlinterview.__file__).resolve().parent.parent
    hide = [str(course_root.resolve()), tempfile.gettempdir(), "/var/tmp", "/dev/shm", "/root", "/home"]
    # an allow-list, not a list of known places: every top-level folder but the
    # system's is covered (other courses on the machine, /srv, /opt, /work...),
    # and only what the kernel needs is mounted back, read-only, below
    hide += [d for d in sorted(glob.glob("/*"))
             if os.path.isdir(d) and not os.path.islink(d) and d not in SYSTEM_DIRS]
    # an editable install lives in a course checkout of its own, with its own source/
    repo = package_src.parent
    if (repo / "nbgrader_config.py").is_file() or (repo / "source").is_dir():
        hide.append(str(repo))
    prefixes = [sys.prefix, sys.base_prefix, sys.exec_prefix]
    expose = [*prefixes, package_src, data_dir or course_root.resolve() / "data"]
    # the interpreter's own library folders only (not the current folder or a script's)
    expose += [p for p in sys.path if p and Path(p).is_dir()
               and any(_under(str(Path(p).resolve()), str(Path(x).resolve())) for x in prefixes)]
    return Plan([h for h in dict.fromkeys(hide) if os.path.isdir(h)],
                sorted({str(Path(e).resolve()) for e in expose if Path(e).exists()}))


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _cover(plan: Plan) -> None:
    """Hide ``plan.hide`` behind empty tmpfs, mounting ``plan.expose`` back read-only."""
    mount(None, "/", None, MS_REC | MS_PRIVATE, None)
    needed = [e for e in plan.expose if any(_under(e, h) for h in plan.hide)]
    # keep only outermost exposures
    needed = [e for e in needed if not any(o != e and _under(e, o) for o in needed)]
    needed += [s for s in plan.share if any(_under(s, h) for h in plan.hide)]
    staged, handles, stage = {}, [], None
    if os.access(STAGE_PARENT, os.W_OK):  # root: each folder bound in a stage while covering
        stage = f"{STAGE_PARENT}/.mlinterview-stage-{os.getpid()}-{secrets.token_hex(3)}"
        os.makedirs(stage)
        mount("tmpfs", stage, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0700")
        for i, path in enumerate(needed):
            spot = f"{stage}/{i}"
            os.mkdir(spot)
            mount(path, spot, None, MS_BIND | MS_REC, None)
            staged[path] = spot
    else:  # in a user namespace, nowhere to make a stage: each folder held open instead
        for path in needed:
            handles.append(os.open(path, os.O_PATH | os.O_CLOEXEC))
            staged[path] = f"/proc/self/fd/{handles[-1]}"
    # outer folders first, so an inner hidden folder is covered inside the outer tmpfs
    outer = [h for h in plan.hide if not any(o != h and _under(h, o) for o in plan.hide)]
    for folder in outer:
        mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    for path, spot in staged.items():
        os.makedirs(path, exist_ok=True)
        mount(spot, path, None, MS_BIND | MS_REC, None)
        writable = 0 if path in plan.share else MS_RDONLY
        mount(None, path, None,
              MS_REMOUNT | MS_BIND | writable | MS_NOSUID | MS_NODEV | _kept_flags(path), None)
    # a hidden folder inside an exposed one (the course inside the folder of the venv)
    # was made visible again and needs its own cover; one that is merely inside
    # another hidden folder (a checkout under /tmp) is covered already, and
    # covering it again would hide what was exposed inside it (its .venv, src)
    for folder in sorted(set(plan.hide) - set(outer), key=len):
        inside_exposed = any(_under(folder, e) and folder != e for e in staged)
        if inside_exposed and os.path.isdir(folder):
            mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    for fd in handles:
        os.close(fd)
    if stage is not None:
        _check(_libc.umount2(stage.encode(), MNT_DETACH), "umount stage")
        with contextlib.suppress(OSError):
            os.rmdir(stage)


def _kept_flags(path: str) -> int:
    """The flags of the mount ``path`` is on that a remount must keep: in a user namespace
    the kernel refuses to drop them (noexec, the atime rule)."""
    try:
        have = os.statvfs(path).f_flag
    except OSError:
        return 0
    pairs = ((os.ST_NOEXEC, MS_NOEXEC), (os.ST_NOATIME, MS_NOATIME),
             (os.ST_NODIRATIME, MS_NODIRATIME), (os.ST_RELATIME, MS_RELATIME))
    return sum(ms for st, ms in pairs if have & st)


def private_mounts() -> bool:
    """In a worker: a mount namespace of its own, so its exchange folders' tmpfs
    mounts are invisible to the rest of the machine; False where it cannot be had."""
    try:
        unshare(CLONE_NEWNS, "mount")
        mount(None, "/", None, MS_REC | MS_PRIVATE, None)
    except SandboxError:
        return False
    return True


EXCHANGE_PREFIX = "mlinterview-exchange-"  # then the process id of the worker that made it


def make_exchange(uid: int, limits: Limits, private: bool) -> str:
    """A folder the trusted test code and the learner's kernel both see, at the same path:
    test cells write hidden input files there and read what the learner's code wrote.
    The first a process makes removes those of workers that died without removing theirs."""
    if tempfile.gettempdir() not in _STALE_CLEARED:
        _STALE_CLEARED.add(tempfile.gettempdir())
        remove_left_behind(EXCHANGE_PREFIX)
    folder = tempfile.mkdtemp(prefix=f"{EXCHANGE_PREFIX}{os.getpid()}-")
    if private:
        with contextlib.suppress(SandboxError):
            mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, f"size={limits.tmp_mb}m,mode=0700")
    return folder  # the learner's only while its code runs: hand_over ... take_back


def hand_over(folder: str, uid: int) -> None:
    """Before the learner's code runs: what the grader wrote in the exchange becomes theirs."""
    if os.geteuid() != 0:
        return
    for dirpath, _dirs, names in os.walk(folder):
        for entry in (dirpath, *(os.path.join(dirpath, n) for n in names)):
            with contextlib.suppress(OSError):
                os.lchown(entry, uid, uid)


def take_back(folder: str) -> list[str]:
    """After the learner's code ran: remove from the exchange anything but plain files and
    folders (a symbolic link to the gradebook, a FIFO that would block a read); what was removed.
    As root, everything becomes the grader's again, each folder before it is listed, so a process
    the learner's code left running can change nothing there until the next hand_over."""
    root = os.geteuid() == 0
    if root:
        _reclaim(folder, os.lstat(folder).st_mode)
    removed = []
    for dirpath, dirs, names in os.walk(folder):
        for n in list(dirs) + names:
            path = os.path.join(dirpath, n)
            mode = os.lstat(path).st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                with contextlib.suppress(OSError):
                    os.unlink(path)
                removed.append(os.path.relpath(path, folder))
            elif root:
                _reclaim(path, mode)
    return removed


def _reclaim(path: str, mode: int) -> None:
    with contextlib.suppress(OSError):
        os.lchown(path, 0, 0)
        os.chmod(path, stat.S_IMODE(mode) & 0o700)  # no write for others: the learner's uid is one


def remove_exchange(folder: str) -> None:
    with contextlib.suppress(OSError):
        _libc.umount2(folder.encode(), MNT_DETACH)
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------- control groups
# Linux control groups (cgroups), where this process may make them (root, or a group delegated
# to the instructor's user): version 2's unified hierarchy, or version 1's memory and cpu ones.
CGROUP_CONTROLLERS = ("memory", "cpu")
GROUP_PREFIX = "mlinterview-"


def _cgroup_places(mountinfo: str, own: str) -> dict[str, str]:
    """controller -> the folder in which to make kernels' groups, from the text of
    /proc/self/mountinfo and /proc/self/cgroup: this process's own group in a version 1
    hierarchy that has the controller; in version 2, the group that hands the memory
    controller down (``cgroup.subtree_control``): this process's own (the root of the
    hierarchy), else its parent, beside it (a group with processes hands nothing down)."""
    groups = {}  # v1: controller -> path; v2: "" -> path
    for line in own.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            groups.update({c: parts[2] for c in parts[1].split(",")} if parts[1] else {"": parts[2]})
    places: dict[str, str] = {}
    for line in mountinfo.splitlines():
        fields = line.split()
        dash = fields.index("-") if "-" in fields else len(fields)
        if len(fields) < dash + 4 or fields[dash + 1] not in ("cgroup", "cgroup2"):
            continue
        root, point, options = fields[3], fields[4], fields[dash + 3].split(",")
        if fields[dash + 1] == "cgroup2":
            path = groups.get("")
            if path is None or not _under(path, root) or "memory" in places:
                continue
            own_folder = _seen_at(point, root, path)
            folder = next((f for f in (own_folder, os.path.dirname(own_folder))
                           if _under(f, point) and "memory" in _handed_down(f)), None)
            if folder is not None:
                places.update({c: folder for c in CGROUP_CONTROLLERS if c in _handed_down(folder)})
            continue
        for controller in CGROUP_CONTROLLERS:
            path = groups.get(controller)
            if controller in options and controller not in places and path is not None \
                    and _under(path, root):
                places[controller] = _seen_at(point, root, path)
    return places


def _seen_at(point: str, root: str, path: str) -> str:
    """Where group ``path`` is seen in a hierarchy mounted at ``point`` showing it from ``root``."""
    return os.path.normpath(os.path.join(point, os.path.relpath(path, root)))


def _handed_down(folder: str) -> list[str]:
    try:
        with open(os.path.join(folder, "cgroup.subtree_control")) as fh:
            return fh.read().split()
    except OSError:
        return []


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


class KernelGroup:
    """A control group for one kernel and every process it starts, in each hierarchy that
    has a controller of :data:`CGROUP_CONTROLLERS`: their memory is counted together against
    ``Limits.kernel_memory_mb`` (past it the kernel's OOM killer ends one of them, the
    largest), and they share one group's weight of the CPU, as much as any other kernel.

    Made by the worker, joined by the kernel's parent before it forks the kernel (so every
    process of the kernel is born in it), removed when the kernel is gone.
    """

    _made = 0

    def __init__(self, folders: dict[str, str]):
        self.folders = folders  # controller -> the group's folder (one folder for both in v2)

    @classmethod
    def make(cls, limits: Limits) -> tuple[KernelGroup | None, str]:
        """A new group, or None and why not."""
        if limits.kernel_memory_mb <= 0:
            return None, "turned off (kernel_memory_mb = 0)"
        try:
            places = _cgroup_places(Path("/proc/self/mountinfo").read_text(),
                                    Path("/proc/self/cgroup").read_text())
        except OSError as exc:
            return None, f"cannot read this process's groups: {exc.strerror}"
        if "memory" not in places:
            return None, "no cgroup hierarchy with the memory controller that this process may use"
        _clear_stale(set(places.values()))
        cls._made += 1
        name = f"{GROUP_PREFIX}{os.getpid()}-{cls._made}-{secrets.token_hex(3)}"
        folders: dict[str, str] = {}
        group = cls(folders)
        try:
            for controller, parent in places.items():
                folder = os.path.join(parent, name)
                if folder not in folders.values():
                    os.mkdir(folder)
                folders[controller] = folder
            memory = folders["memory"]
            limit = str(limits.kernel_memory_mb * 1024 * 1024)
            if os.path.exists(os.path.join(memory, "memory.max")):  # v2
                _write(os.path.join(memory, "memory.max"), limit)
                if os.path.exists(os.path.join(memory, "memory.swap.max")):
                    _write(os.path.join(memory, "memory.swap.max"), "0")
            else:  # v1: memory and swap together, where swap is counted at all
                _write(os.path.join(memory, "memory.limit_in_bytes"), limit)
                if os.path.exists(os.path.join(memory, "memory.memsw.limit_in_bytes")):
                    _write(os.path.join(memory, "memory.memsw.limit_in_bytes"), limit)
        except OSError as exc:
            group.remove()
            return None, f"cannot make a group: {exc.strerror}"
        return group, ""

    def join(self) -> None:
        """Put the calling process in the group (its children are born there); OSError if not."""
        for folder in dict.fromkeys(self.folders.values()):
            _write(os.path.join(folder, "cgroup.procs"), "0")

    def peak_bytes(self) -> int | None:
        """The most memory the group's processes held at once, where the machine says."""
        for name in ("memory.peak", "memory.max_usage_in_bytes"):
            try:
                return int(Path(self.folders["memory"], name).read_text())
            except (OSError, ValueError, KeyError):
                continue
        return None

    def remove(self) -> None:
        """End what is left in the group (its processes die with the kernel's PID namespace;
        this covers machines without one) and delete it."""
        for folder in dict.fromkeys(self.folders.values()):
            _remove_group(folder)


def _remove_group(folder: str) -> None:
    for attempt in range(50):
        try:
            os.rmdir(folder)
            return
        except FileNotFoundError:
            return
        except OSError:
            try:
                pids = [int(p) for p in Path(folder, "cgroup.procs").read_text().split()]
            except (OSError, ValueError):
                pids = []
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            # a killed process leaves when reaped, and the kernel's parent (in the group
            # too) a moment after it has seen the kernel die: 1 ms, 2, 4 ... then 0.1 s
            time.sleep(min(0.1, 0.001 * 2 ** attempt))


_STALE_CLEARED: set[str] = set()  # the parents (of groups, of exchanges) this process has cleared


def left_by_the_dead(parent: str, prefix: str) -> list[str]:
    """The folders ``<prefix><pid>-...`` in ``parent`` whose process is gone: what a grader
    killed with ``kill -9`` left behind."""
    found = []
    for folder in glob.glob(os.path.join(glob.escape(parent), glob.escape(prefix) + "*")):
        owner = os.path.basename(folder)[len(prefix):].split("-")[0]
        if owner.isdigit() and not _alive(int(owner)):
            found.append(folder)
    return found


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs: a zombie (killed, not yet reaped) does not."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def remove_left_behind(prefix: str) -> None:
    """Remove the folders ``<prefix><pid>-...`` under the temporary folder whose process is
    gone: the user's own, and as root those handed to a kernel's id (an exchange the learner's
    code held when its worker was killed); never another user's."""
    import shutil

    me = os.geteuid()
    for stale in left_by_the_dead(tempfile.gettempdir(), prefix):
        with contextlib.suppress(OSError):
            owner = os.stat(stale).st_uid
            if owner == me or (me == 0 and owner >= FIRST_UID):
                shutil.rmtree(stale, ignore_errors=True)


def _clear_stale(parents: set[str]) -> None:
    """Remove the groups a grader that was killed left behind, once per parent folder in
    each process."""
    for parent in parents - _STALE_CLEARED:
        _STALE_CLEARED.add(parent)
        for folder in left_by_the_dead(parent, GROUP_PREFIX):
            _remove_group(folder)


def probe(limits: Limits | None = None) -> list[str]:
    """The protections this machine cannot give, each as a sentence (empty: all of them)."""
    limits = limits or Limits()
    group, why = KernelGroup.make(limits)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        missing = []
        if group is not None:
            try:
                group.join()
            except OSError as exc:
                why = f"cannot join a group: {exc.strerror}"
        if why:
            missing.append(f"{'not root: ' if os.geteuid() != 0 else ''}no control group for "
                           f"each kernel ({why}): a kernel's processes are limited one by one "
                           f"({limits.memory_mb} MB each), so a fork bomb can take the machine's "
                           "memory, and the CPU other students' kernels need")
        userns = os.geteuid() != 0 and enter_user_namespace()
        for flag, name, why in ((CLONE_NEWNET, "network namespace", "student code can use the network"),
                                (CLONE_NEWNS, "mount namespace", "student code can read the course folder (source/, gradebook, other students)"),
                                (CLONE_NEWPID, "PID namespace", "processes a student starts may outlive the kernel"),
                                (CLONE_NEWIPC, "IPC namespace", "student code shares System V IPC with the grader")):
            if _libc.unshare(flag) != 0:
                missing.append(f"no {name} ({os.strerror(ctypes.get_errno())}): {why}")
        # not root, a worker cannot mount a tmpfs (make_exchange): the exchange is a folder
        exchange = ("; the folder a kernel shares with the grader is an ordinary temporary "
                    "folder, with no size limit of its own")
        if userns:
            missing.append("not root: kernels run as the instructor's user (inside a user "
                           "namespace of their own), so their processes count against the "
                           "instructor's process limit" + exchange)
        elif os.geteuid() != 0:
            missing.append("not root: kernels run as the instructor's user, not an unprivileged "
                           "one" + exchange)
        os.write(w, "\n".join(missing).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    if group is not None:
        group.remove()
    return [line for line in data.decode().splitlines() if line]


def _map_self(inner: int, outer_uid: int, outer_gid: int) -> None:
    """In a user namespace just made: the caller's user and group ids (``outer_*`` in the
    namespace above) are ``inner`` in it, the only ids it has."""
    for name, text in (("setgroups", "deny"), ("uid_map", f"{inner} {outer_uid} 1"),
                       ("gid_map", f"{inner} {outer_gid} 1")):
        with open(f"/proc/self/{name}", "w") as fh:
            fh.write(text)


def enter_user_namespace() -> bool:
    """Not root: a user namespace in which this process is root, so that it may make the
    other namespaces (as bubblewrap and ``unshare -r`` do). It gains no power outside it:
    files are still reached as the instructor's user, and only what it mounts is changed."""
    uid, gid = os.geteuid(), os.getegid()
    try:
        unshare(CLONE_NEWUSER, "user")
        _map_self(0, uid, gid)
    except OSError:
        return False
    return True


def leave_power(uid: int) -> None:
    """In a kernel confined from a user namespace (not root): a nested user namespace in
    which it is ``uid``, an ordinary user. Its capabilities there reach none of the
    namespaces it was put in, so it cannot undo a mount (make the read-only folders
    writable, uncover the course)."""
    unshare(CLONE_NEWUSER, "user (nested)")
    _map_self(uid, 0, 0)


def enter_namespaces() -> tuple[list[str], bool]:
    """In the intermediate process: new namespaces for the kernel about to be forked;
    (those that could not be made, whether a user namespace of our own was needed)."""
    missing = []
    userns = os.geteuid() != 0 and enter_user_namespace()
    for flag, name in ((CLONE_NEWPID, "pid"), (CLONE_NEWNET, "net"), (CLONE_NEWNS, "mount"),
                       (CLONE_NEWIPC, "ipc")):
        try:
            unshare(flag, name)
        except SandboxError:
            missing.append(name)
    return missing, userns


def confine(plan: Plan, files: dict[str, bytes], uid: int, limits: Limits,
            mounts: bool, keep_fds: tuple[int, ...], userns: bool = False) -> str:
    """In the kernel process, before learner code: lock it in; return its working folder.

    ``userns``: not root, in a user namespace of our own (:func:`enter_user_namespace`)."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getpid() != 1:
        os.setsid()
    vm = _mapped_bytes()  # before /proc is replaced
    if mounts:
        _cover(plan)
        if os.getpid() == 1:  # a PID namespace of our own: a /proc that shows only it
            try:
                mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV, None)
            except SandboxError:
                if userns:  # the instructor's processes, same user: their /proc/<pid>/root
                    # would lead out of the mount namespace. No /proc at all, then
                    mount("tmpfs", "/proc", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0555")
    # the kernel's own scratch space: a folder of its own, not all of /tmp, which
    # may hold the exposed environment (a checkout under /tmp with its .venv)
    home = os.path.join(tempfile.gettempdir(), ".mlinterview-kernel")
    os.makedirs(home, exist_ok=True)
    if mounts:
        mount("tmpfs", home, "tmpfs", MS_NOSUID | MS_NODEV, f"size={limits.tmp_mb}m,mode=1777")
    work = os.path.join(home, secrets.token_hex(6))
    os.makedirs(work)
    for rel, data in files.items():
        target = os.path.join(work, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as fh:
            fh.write(data)
    if os.geteuid() == 0 and not userns:
        for dirpath, _, names in os.walk(work):
            os.chown(dirpath, uid, uid)
            for n in names:
                os.chown(os.path.join(dirpath, n), uid, uid)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    _close_except((*keep_fds, devnull))
    _rlimits(limits, vm)
    if userns:
        leave_power(uid)
    elif os.geteuid() == 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    data = os.environ.get("MLINTERVIEW_DATA")
    os.environ.clear()
    if data:
        os.environ["MLINTERVIEW_DATA"] = data
    tempfile.tempdir = work  # gettempdir() caches; the kernel's temporary files go to its copy
    os.environ.update({"PATH": f"{sys.prefix}/bin:/usr/local/bin:/usr/bin:/bin", "HOME": work,
                       "TMPDIR": work,
                       "LANG": "C.UTF-8", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
                       "PYDEVD_DISABLE_FILE_VALIDATION": "1"})
    os.chdir(work)
    return work


def _close_except(keep: tuple[int, ...]) -> None:
    # every descriptor the worker had open (gradebook, sockets of other jobs) is closed
    low = 3
    for fd in sorted(keep):
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1
    os.closerange(low, 65536)


def _mapped_bytes() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _rlimits(limits: Limits, vm: int) -> None:
    mb = 1024 * 1024
    settings = [(resource.RLIMIT_AS, vm + limits.memory_mb * mb),
                (resource.RLIMIT_CPU, limits.cpu_seconds),
                (resource.RLIMIT_NPROC, limits.processes),
                (resource.RLIMIT_FSIZE, limits.file_mb * mb),
                (resource.RLIMIT_NOFILE, limits.open_files),
                (resource.RLIMIT_CORE, 0)]
    for which, value in settings:
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))
