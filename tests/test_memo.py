"""References computed once per grading run: per worker, and shared between the workers."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import secrets
import time
from pathlib import Path

import pandas as pd
import pytest

from mlinterview.grading import memo

FORK = multiprocessing.get_context("fork")


def _counting(log: Path, delay: float = 0.0):
    """A pure function that leaves a line in ``log`` each time it really runs."""

    def table_reference(n):
        with open(log, "a") as f:
            f.write(f"{os.getpid()}\n")
        time.sleep(delay)
        return pd.DataFrame({"x": range(n)})

    return table_reference


@pytest.fixture
def shared(tmp_path):
    folder = tmp_path / "memo"
    folder.mkdir()
    yield folder, secrets.token_bytes(32)
    memo.share(None, None)


def _worker(folder, secret, log, out, delay):
    memo.share(folder, secret)
    func = memo.memoised(_counting(log, delay), {})
    out.put(func(5)["x"].tolist())


def test_each_call_gets_its_own_copy_and_a_path_argument_is_never_cached(tmp_path):
    log = tmp_path / "log"
    func = memo.memoised(_counting(log), {})
    first = func(3)
    first.loc[0, "x"] = 99  # a comparison may change what it gets
    assert func(3)["x"].tolist() == [0, 1, 2]
    assert len(log.read_text().split()) == 1

    reads = []
    reader = memo.memoised(lambda path: reads.append(path) or len(reads), {})
    assert [reader("data/a.csv"), reader("data/a.csv")] == [1, 2]


def test_the_workers_of_a_run_compute_a_reference_once_between_them(shared, tmp_path):
    folder, secret = shared
    log, out = tmp_path / "log", FORK.Queue()
    workers = [FORK.Process(target=_worker, args=(folder, secret, log, out, 0.3)) for _ in range(4)]
    for w in workers:
        w.start()
    results = [out.get(timeout=30) for _ in workers]
    for w in workers:
        w.join(30)
    assert results == [[0, 1, 2, 3, 4]] * 4
    assert len(log.read_text().split()) == 1, "one worker computed it; the others waited for it"

    # without sharing, each worker computes its own (as before a run shares)
    log.unlink()
    workers = [FORK.Process(target=_worker, args=(None, None, log, out, 0.0)) for _ in range(3)]
    for w in workers:
        w.start()
    assert [out.get(timeout=30) for _ in workers] == [[0, 1, 2, 3, 4]] * 3
    for w in workers:
        w.join(30)
    assert len(log.read_text().split()) == 3


class _Planted:
    def __reduce__(self):
        return (os.system, ("touch planted",))


def test_a_file_the_run_did_not_sign_is_computed_again_never_unpickled(shared, tmp_path, monkeypatch):
    folder, secret = shared
    monkeypatch.chdir(tmp_path)
    log = tmp_path / "log"
    func = _counting(log)
    key = memo._key(func, (5,), {})
    forged = pickle.dumps(_Planted())
    for mac in (b"\0" * 32, memo.Shared(folder, b"another run's key" * 2)._sign(forged)):
        (folder / f"{key.hex()}.pkl").write_bytes(mac + forged)
        memo.share(folder, secret)
        assert memo.memoised(func, {})(5)["x"].tolist() == [0, 1, 2, 3, 4]
        assert not (tmp_path / "planted").exists()
    assert len(log.read_text().split()) == 2
    # what this run wrote in its place is read back by the next worker
    assert memo.memoised(func, {})(5)["x"].tolist() == [0, 1, 2, 3, 4]
    assert len(log.read_text().split()) == 2


def _dies_computing(folder, secret):
    memo.share(folder, secret)

    def table_reference(n):
        os._exit(3)  # a worker killed mid-reference (its watchdog, an OOM kill)

    memo.memoised(table_reference, {})(5)


def test_a_worker_that_dies_computing_leaves_no_lock_behind(shared, tmp_path):
    folder, secret = shared
    dying = FORK.Process(target=_dies_computing, args=(folder, secret))
    dying.start()
    dying.join(30)
    assert dying.exitcode == 3
    assert list(folder.glob("*.lock")), "it died holding its lock"
    log, out = tmp_path / "log", FORK.Queue()
    worker = FORK.Process(target=_worker, args=(folder, secret, log, out, 0.0))
    worker.start()
    assert out.get(timeout=30) == [0, 1, 2, 3, 4]
    worker.join(30)


def test_a_run_shares_only_what_it_was_asked_to(tmp_path):
    memo.share(None, secrets.token_bytes(32))
    assert memo._SHARED == []
    memo.share(tmp_path, b"")
    assert memo._SHARED == []


def test_named_generators_are_memoised_with_the_references():
    from mlinterview.exercises import m06

    memo.install()
    assert getattr(m06.make_shop, "__mlinterview_memoised__", False)
    one, two = m06.make_shop(11), m06.make_shop(11)
    assert one.keys() == two.keys()
    for name in one:
        pd.testing.assert_frame_equal(one[name], two[name])
        assert one[name] is not two[name]


def test_a_run_removes_what_runs_killed_before_it_left_and_nothing_else(tmp_path, monkeypatch):
    import contextlib
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = FORK.Process(target=os._exit, args=(0,))
    dead.start()
    dead.join()
    left = tmp_path / f"{memo.PREFIX}{dead.pid}-x1"  # a run stopped with kill -9
    live = tmp_path / f"{memo.PREFIX}{os.getppid()}-x2"  # a run still going
    other = tmp_path / f"{memo.PREFIX}notapid-x3"
    theirs = tmp_path / f"{memo.PREFIX}{dead.pid}-x4"  # another user's, killed too
    for folder in (left, live, other, theirs):
        folder.mkdir()
        (folder / "a.pkl").write_bytes(b"x")
    mine_only = os.geteuid() == 0  # only root can make a folder another user owns
    if mine_only:
        os.chown(theirs, 54321, 54321)
    with contextlib.ExitStack() as stack:
        folder, secret = memo.for_run(stack)
        assert folder.parent == tmp_path and folder.name.startswith(f"{memo.PREFIX}{os.getpid()}-")
        assert len(secret) == 32
        assert not left.exists() and live.exists() and other.exists()
        assert theirs.exists() or not mine_only
    assert not folder.exists()


def test_a_dataset_is_keyed_by_its_content_key_and_tables_without_one_by_their_bytes():
    """A hidden SQL test hands the reference an ``sql.Dataset``: tables with their content
    key, worked out once. The memo keys the call by that key (not by pickling the tables a
    second time): the same content is computed once, other content again."""
    from mlinterview import sql

    calls = []

    def rows_reference(t):
        calls.append(sorted(t))
        return pd.DataFrame({"n": [len(t["orders"])]})

    func = memo.memoised(rows_reference, {})
    orders = pd.DataFrame({"order_id": [1, 2, 3]})
    fewer = orders.iloc[:2].copy()
    first = sql.Dataset({"orders": orders.copy()}, sql._content_key({"orders": orders}))
    again = sql.Dataset({"orders": orders.copy()}, sql._content_key({"orders": orders}))
    other = sql.Dataset({"orders": fewer}, sql._content_key({"orders": fewer}))
    assert [func(d)["n"].item() for d in (first, again, other)] == [3, 3, 2]
    assert len(calls) == 2
    # the key stands for the tables (the memo reads nothing else of them): tables given
    # another's key are that other's, as far as the memo knows
    stand_in = sql.Dataset({"orders": fewer}, first.content_key)
    assert memo._key(rows_reference, (stand_in,), {}) == memo._key(rows_reference, (first,), {})
    assert memo._key(rows_reference, (first,), {}) == memo._key(rows_reference, (again,), {})
    assert memo._key(rows_reference, (first,), {}) != memo._key(rows_reference, (other,), {})
    # without a key (tables that do not pickle), the tables' bytes as for any argument
    unkeyed = sql.Dataset({"orders": orders.copy()}, None)
    assert memo._key(rows_reference, (unkeyed,), {}) != memo._key(rows_reference, (first,), {})
    assert func(unkeyed)["n"].item() == 3 and len(calls) == 3


def test_a_reference_that_only_reads_files_is_keyed_by_their_bytes_not_their_names(tmp_path):
    """m05's readers get a fresh temporary copy of the same CSV for each student. Declared
    readers (``MEMOISE_READS``) are keyed by each file's bytes and suffix: the same bytes
    under another name are read once; other bytes, or the same name rewritten, again. A
    FIFO, a folder or a missing file in a file's place is never read by the memo (nor
    hangs it): the reference runs each time, as does one whose file changed as it ran."""
    import threading

    reads = []

    def table_reference(path):
        reads.append(Path(path).name)
        return pd.read_csv(path)

    func = memo.memoised(table_reference, {}, reads_files=True)
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    a.write_text("x\n1\n2\n")
    b.write_text("x\n1\n2\n")
    c.write_text("x\n1\n3\n")
    assert [func(p)["x"].tolist() for p in (a, b, str(b), c)] == [[1, 2], [1, 2], [1, 2], [1, 3]]
    assert reads == ["a.csv", "c.csv"]
    a.write_text("x\n5\n")  # the same name, other bytes
    assert func(a)["x"].tolist() == [5] and reads == ["a.csv", "c.csv", "a.csv"]
    gz = tmp_path / "b.csv.gz"  # the same bytes, a suffix read_csv reads otherwise
    gz.write_bytes(b.read_bytes())
    assert memo._key(table_reference, (gz,), {}, True) != memo._key(table_reference, (b,), {}, True)
    # undeclared, a path is never cached (see the first test)
    assert memo._key(table_reference, (b,), {}) is None

    calls = []
    probe = memo.memoised(lambda path: calls.append(path) or len(calls), {}, reads_files=True)
    fifo = tmp_path / "in.csv"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.extend([probe(fifo), probe(fifo)]), daemon=True)
    reader.start()
    reader.join(20)
    assert not reader.is_alive(), "the memo opened a FIFO and waited for a writer"
    assert got == [1, 2]
    assert [probe(tmp_path), probe(tmp_path), probe(tmp_path / "gone.csv"),
            probe(tmp_path / "gone.csv")] == [3, 4, 5, 6]

    def appending_reference(path):
        calls.append(path)
        Path(path).write_text(Path(path).read_text() + "9\n")
        return len(calls)

    grows = memo.memoised(appending_reference, {}, reads_files=True)
    d = tmp_path / "d.csv"
    first = [grows(d.write_text("x\n") and d) for _ in range(2)]
    assert first == [7, 8], "a result read from a file that changed as it ran was kept"


def test_m05s_file_readers_are_memoised_once_installed(tmp_path, monkeypatch):
    """Installed, m05's readers read a second copy of a CSV from the memo, as equal frames."""
    from mlinterview.exercises import m05

    memo.install()
    assert all(getattr(getattr(m05, n), "__mlinterview_memoised__", False) for n in m05.MEMOISE_READS)
    text = m05.make_raw_customers(seed=4242, n_rows=30)  # bytes no other test reads
    copies = []
    for k in range(3):
        (tmp_path / str(k)).mkdir()
        copies.append(tmp_path / str(k) / "customers_raw.csv")
        copies[-1].write_text(text, encoding="utf-8")
    reads, read_raw = [], m05._read_raw
    monkeypatch.setattr(m05, "_read_raw", lambda p: reads.append(p) or read_raw(p))
    frames = [m05.load_reference(p) for p in copies]
    assert len(reads) == 1
    for frame in frames[1:]:
        pd.testing.assert_frame_equal(frame, frames[0])
    cleaned = [m05.clean_frame_reference(p) for p in copies]
    pd.testing.assert_frame_equal(cleaned[0], cleaned[2])
    assert len(reads) == 1


def _same(a, b, where: str = "result") -> None:
    """Equal values, frames and arrays compared as pandas and NumPy compare them."""
    import dataclasses

    import numpy as np

    assert type(a) is type(b), where
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, obj=where)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, obj=where)
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            _same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for k, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{k}]")
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _same(a[k], b[k], f"{where}[{k!r}]")
    else:
        assert a == b, where


def _memoising_modules() -> list[str]:
    import importlib
    import pkgutil

    import mlinterview.exercises as exercises

    return [info.name for info in pkgutil.iter_modules(exercises.__path__)
            if getattr(importlib.import_module(f"mlinterview.exercises.{info.name}"), "MEMOISE", ())]


@pytest.mark.parametrize("module_name", _memoising_modules())
def test_the_generators_a_module_memoises_are_pure(module_name, tmp_path, monkeypatch):
    """A grading run makes what ``MEMOISE`` names once and hands every student a copy, where
    stock nbgrader makes it again in each kernel: so each must give the same value for the
    same seed, and write no file (not in the temporary folder, not where it runs)."""
    import importlib
    import tempfile

    module = importlib.import_module(f"mlinterview.exercises.{module_name}")
    (tmp_path / "tmp").mkdir()
    (tmp_path / "cwd").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    monkeypatch.chdir(tmp_path / "cwd")
    for name in module.MEMOISE:
        func = getattr(module, name)
        func = getattr(func, "__wrapped__", func)  # the function itself, if installed already
        _same(func(5), func(5), f"{name}(5)")
    assert not any((tmp_path / "tmp").iterdir()) and not any((tmp_path / "cwd").iterdir())
