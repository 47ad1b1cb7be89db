"""A PostgreSQL gradebook: `mlinterview grade` and `report`, and stock nbgrader, on a real server.

A course that shares its gradebook (formgrader on a JupyterHub, several instructors)
keeps it in PostgreSQL: ``c.CourseDirectory.db_url = "postgresql://..."`` in
nbgrader_config.py, or ``--db`` on each command. The server here is a throwaway one,
started for this module from the machine's own PostgreSQL programs (Debian's
``postgresql`` package; CI installs it). pytest-postgresql would start one the same way,
but runs ``initdb`` as the current user, which PostgreSQL refuses when that is root, as
on CI; so the fixture starts it as the ``postgres`` user the package makes. Without a
server's programs the module is skipped, except where ``MLINTERVIEW_REQUIRE_POSTGRES`` is
set (CI), where that is a failure.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import ROOT, gradebook_scores, hand_in, scratch_course

from mlinterview import cli, course, stock, submissions
from mlinterview.grading import runner

AID, NB = "m00_interview_method", "interview_method"


def _server_programs() -> Path | None:
    """The folder of pg_ctl and initdb: on the PATH, or Debian's newest version's."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")]
    versions.sort(key=lambda b: int(b.parent.name) if b.parent.name.isdigit() else 0)
    return versions[-1] if versions else None


def _unavailable(why: str):
    if os.environ.get("MLINTERVIEW_REQUIRE_POSTGRES"):
        pytest.fail(f"MLINTERVIEW_REQUIRE_POSTGRES is set, but {why}")
    pytest.skip(why)


class Server:
    """A PostgreSQL server of its own: a fresh cluster in a temporary folder, reached only
    by its Unix socket there (no TCP port), trusting its local users, without fsync."""

    def __init__(self, programs: Path):
        self.programs = programs
        self.folder = Path(tempfile.mkdtemp(prefix="mlinterview-pg-"))
        self.as_owner: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: run the server as Debian's postgres user
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                shutil.rmtree(self.folder)
                _unavailable("this machine runs as root and has no postgres user to run a "
                             "server as")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        self.data = self.folder / "data"
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w",
                  "-o", f"-c listen_addresses='' -k {self.folder} -c fsync=off", "start")

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run([*self.as_owner, str(self.programs / program), *args],
                              capture_output=True, text=True)
        assert done.returncode == 0, f"{program}: {done.stdout}{done.stderr}"

    def database(self, name: str) -> str:
        """A new empty database: its SQLAlchemy URL (the default driver: psycopg)."""
        import psycopg

        with psycopg.connect(host=str(self.folder), user="postgres", dbname="postgres",
                             autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@/{name}?host={self.folder}"

    def stop(self) -> None:
        with contextlib.suppress(AssertionError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres():
    programs = _server_programs()
    if programs is None:
        _unavailable("no PostgreSQL server programs here (Debian: apt install postgresql)")
    server = Server(programs)
    try:
        yield server
    finally:
        server.stop()


def _mlinterview(root: Path, *args: str) -> subprocess.CompletedProcess:
    course.tools_on_path()
    return subprocess.run([sys.executable, "-m", "mlinterview.cli", *args], cwd=root,
                          capture_output=True, text=True)


@pytest.mark.nbgrader
def test_a_postgresql_gradebook_gets_what_stock_nbgrader_records_and_every_tool_reads_it(
        postgres, tmp_path):
    partial = next(fx for fx in submissions.load_fixtures(ROOT, AID, NB) if fx.name == "partial")
    cohort = {"reference": {NB: submissions.fixture_submission(ROOT, AID, NB, None, "solution")},
              "blank": {NB: submissions.fixture_submission(ROOT, AID, NB, None, "blank")},
              "partial": {NB: submissions.fixture_submission(ROOT, AID, NB, partial)}}

    # ours: the course's config names the PostgreSQL gradebook, so no command needs --db
    ours_url = postgres.database("ours")
    (tmp_path / "ours").mkdir()
    ours = scratch_course(tmp_path / "ours")
    with (ours / "nbgrader_config.py").open("a") as config:
        config.write(f"\nc.CourseDirectory.db_url = {ours_url!r}\n")
    generated = stock.nbgrader(ours, "generate_assignment", AID, "--force")
    assert generated.returncode == 0, generated.stderr[-2000:]
    hand_in(ours, AID, cohort)
    graded = _mlinterview(ours, "grade", AID)
    assert graded.returncode == 0, graded.stderr[-3000:]
    assert "graded 3 submission(s)" in graded.stdout, graded.stdout

    # stock: nbgrader's own --db, in a copy of the course whose config is left as it is
    stock_url = postgres.database("stock")
    (tmp_path / "stock").mkdir()
    theirs = scratch_course(tmp_path / "stock")
    generated = stock.nbgrader(theirs, "generate_assignment", AID, "--force", "--db", stock_url)
    assert generated.returncode == 0, generated.stderr[-2000:]
    hand_in(theirs, AID, cohort)
    done = stock.nbgrader(theirs, "autograde", AID, "--force", "--db", stock_url)
    assert done.returncode == 0, course.nbgrader_failure(done.stderr)

    expected = gradebook_scores(stock_url, AID)
    assert sorted(expected) == sorted(cohort)
    assert gradebook_scores(ours_url, AID) == expected
    assert sum(expected["reference"].values()) > 0 == sum(expected["blank"].values())
    for root in (ours, theirs):  # nothing went to a SQLite file beside the course
        assert not (root / "gradebook.db").exists()

    # what reads the gradebook: the report, nbgrader's export and feedback
    report = _mlinterview(ours, "report", AID)
    assert report.returncode == 0, report.stderr[-2000:]
    lines = (ours / "reports" / AID / "grades.csv").read_text().splitlines()
    assert len(lines) == 1 + len(cohort)
    exported = stock.nbgrader(ours, "export")
    assert exported.returncode == 0, exported.stderr[-2000:]
    rows = (ours / "grades.csv").read_text().splitlines()
    totals = {row.split(",")[3]: float(row.split(",")[7]) for row in rows[1:]}
    assert totals == {s: sum(cells.values()) for s, cells in expected.items()}
    feedback = stock.nbgrader(ours, "generate_feedback", AID, "--student", "partial")
    assert feedback.returncode == 0, feedback.stderr[-2000:]
    assert (ours / "feedback" / "partial" / AID / f"{NB}.html").is_file()

    # resume: unchanged submissions are skipped; given another gradebook (--db), one that
    # has not got their scores, they are graded again into it
    again = _mlinterview(ours, "grade", AID)
    assert "skipped 3 unchanged" in again.stdout, again.stdout
    fresh_url = postgres.database("fresh")
    generated = stock.nbgrader(ours, "generate_assignment", AID, "--force", "--db", fresh_url)
    assert generated.returncode == 0, generated.stderr[-2000:]
    moved = _mlinterview(ours, "grade", AID, "--db", fresh_url)
    assert "graded 3 submission(s)" in moved.stdout, moved.stdout + moved.stderr[-2000:]
    assert gradebook_scores(fresh_url, AID) == expected
    assert gradebook_scores(ours_url, AID) == expected  # the first gradebook is as it was


def _error_of(argv: list[str], capsys) -> str:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot open the gradebook ") and "Traceback" not in err, err
    return err


def test_a_gradebook_that_cannot_be_opened_is_a_clear_error_and_nothing_is_written(
        course_copy, capsys, monkeypatch):
    """Every way a --db or db_url can be wrong: one line that names the gradebook (its
    password starred) and why, exit 2, no traceback, nothing written in the course."""
    no_server = tempfile.mkdtemp(prefix="mlinterview-nopg-")  # a socket folder with no socket
    try:
        for url, why in [
            ("not a url", "Could not parse"),
            (f"postgresql://grader:s3cret@/course?host={no_server}", "connection"),
            (f"sqlite:///{course_copy}/no/such/folder/gradebook.db", "unable to open database file"),
            ("postgresql+psycopg2://grader@/course", "the Python module psycopg2, is not installed"),
        ]:
            for command in ("grade", "report"):
                err = _error_of(["--root", str(course_copy), command, AID, "--db", url], capsys)
                assert why in err, err
                assert "s3cret" not in err and ("***" in err) == ("s3cret" in url), err
        # the driver the postgres extra installs, missing: the message says how to get it
        monkeypatch.setitem(sys.modules, "psycopg", None)
        err = _error_of(["--root", str(course_copy), "report", AID, "--db",
                         f"postgresql://grader@/course?host={no_server}"], capsys)
        assert "pip install 'mlinterview[postgres]'" in err, err
    finally:
        os.rmdir(no_server)
    for name in ("autograded", "reports", "gradebook.db", "no"):
        assert not (course_copy / name).exists(), name


def test_a_server_that_refuses_the_grader_is_a_clear_error(postgres, course_copy, capsys):
    url = postgres.database("refusing").replace("postgres@", "nobody:s3cret@")
    for command in ("grade", "report"):
        err = _error_of(["--root", str(course_copy), command, AID, "--db", url], capsys)
        assert 'role "nobody" does not exist' in err and "nobody:***@" in err, err
        assert "s3cret" not in err, err
    assert not (course_copy / "autograded").exists() and not (course_copy / "reports").exists()


def test_settings_take_db_over_the_config_and_the_config_over_the_default(tmp_path):
    course_dir = scratch_course(tmp_path)
    default, _ = runner.settings_for(course_dir)
    assert default.db_url == f"sqlite:///{course_dir / 'gradebook.db'}"
    with (course_dir / "nbgrader_config.py").open("a") as config:
        config.write("\nc.CourseDirectory.db_url = 'postgresql://from@/config'\n")
    assert runner.settings_for(course_dir)[0].db_url == "postgresql://from@/config"
    assert (runner.settings_for(course_dir, db_url="postgresql://from@/flag")[0].db_url
            == "postgresql://from@/flag")
