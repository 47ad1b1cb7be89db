"""m06_sql_duckdb: the shop generator, its awkward cases, and the SQL checks in mlinterview.sql."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from mlinterview import checks, datasets, sql
from mlinterview.exercises import m06

ROOT = Path(__file__).resolve().parents[1]
SHOP_DIR = ROOT / "data" / "m06_shop"
SEEDS = [None, 61, 62]  # None: the shipped files


def _shop(seed):
    return m06.load_shop() if seed is None else m06.make_shop(seed)


# --------------------------------------------------------------------------- the generator


def test_generate_script_rewrites_the_committed_bytes(tmp_path):
    """generate.py, run twice in a scratch folder, writes exactly the committed CSV files."""
    shutil.copy(SHOP_DIR / "generate.py", tmp_path / "generate.py")
    for _ in range(2):
        subprocess.run([sys.executable, str(tmp_path / "generate.py")], check=True,
                       capture_output=True, cwd=tmp_path)
        written = sorted(p.name for p in tmp_path.glob("*.csv"))
        assert written == sorted(f"{name}.csv" for name in m06.SCHEMA)
        for name in written:
            assert (tmp_path / name).read_bytes() == (SHOP_DIR / name).read_bytes(), name


def test_committed_files_load_back_as_the_generated_tables():
    fresh = m06.make_shop(m06.SHIPPED_SEED)
    loaded = m06.load_shop()
    for name in m06.SCHEMA:
        pd.testing.assert_frame_equal(loaded[name], fresh[name], check_dtype=False, obj=name)
        assert [str(t) for t in loaded[name].dtypes] == [str(t) for t in fresh[name].dtypes], name


def test_datasets_path_finds_the_shop_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert datasets.path("m06_shop/customers.csv").is_file()


def test_shipped_tables_are_read_once_and_every_caller_gets_its_own_copy():
    datasets._read_once.cache_clear()
    first = m06.load_shop()
    first["customers"].loc[:, "name"] = "changed by a caller"
    second = m06.load_shop()
    assert datasets._read_once.cache_info().hits == len(m06.SCHEMA)  # no second read
    assert (second["customers"]["name"] != "changed by a caller").all()


def test_a_cached_file_is_read_again_once_it_changes(tmp_path):
    reads = []

    def reader(path, suffix):
        reads.append(path)
        return [Path(path).read_text() + suffix]

    f = tmp_path / "t.csv"
    f.write_text("a")
    assert datasets.read_cached(f, reader, "!") == ["a!"]
    got = datasets.read_cached(f, reader, "!")
    got.append("changed by a caller")
    assert datasets.read_cached(f, reader, "!") == ["a!"] and len(reads) == 1
    assert datasets.read_cached(f, reader, "?") == ["a?"] and len(reads) == 2  # other arguments
    f.write_text("bb")  # another size: another version of the file
    assert datasets.read_cached(f, reader, "!") == ["bb!"] and len(reads) == 3


def test_seeds_make_different_shops_and_the_same_seed_the_same():
    a, b = m06.make_shop(61), m06.make_shop(62)
    assert len(a["customers"]) != len(b["customers"]) or not a["orders"].equals(b["orders"])
    again = m06.make_shop(61)
    for name in m06.SCHEMA:
        pd.testing.assert_frame_equal(a[name], again[name])
    a["orders"].loc[:, "status"] = "changed by a caller"  # must not leak into the cache
    assert (m06.make_shop(61)["orders"]["status"] != "changed by a caller").all()


def test_shop_size_is_small():
    total = sum(len(t) for t in m06.load_shop().values())
    assert 1000 <= total <= 6000


# --------------------------------------------------------------------------- the awkward cases


@pytest.mark.parametrize("seed", SEEDS)
def test_awkward_cases_are_in_the_data(seed):
    t = _shop(seed)
    c, o, p, e, f = (t[k] for k in ("customers", "orders", "products", "events",
                                    "customer_features"))
    ordered = set(o["customer_id"].dropna())
    assert (~c["customer_id"].isin(ordered)).sum() >= 5, "customers with no orders"
    guests = o[o["customer_id"].isna()]
    assert len(guests) >= 10, "guest orders: NULL join keys"
    assert guests["status"].isna().any() and (guests["status"] == "cancelled").any()
    assert o["status"].isna().sum() >= 5, "NULL statuses to filter"
    dangling = c["referred_by"].notna() & ~c["referred_by"].isin(set(c["customer_id"]))
    assert dangling.sum() == 2, "referrals to deleted accounts"
    assert p["category"].isna().sum() == 2 and p["price"].isna().sum() == 1
    top = p["price"].max()
    assert (p["price"] == top).sum() >= 2, "a tie at the top price"
    assert m06.order_total_rank_reference(t)["order_total"].duplicated().any(), "ties in totals"
    assert e.duplicated().sum() >= 5, "duplicate event rows"
    assert e["user_id"].isna().any(), "anonymous events"
    days = o["ordered_at"].dt.normalize().drop_duplicates().sort_values()
    assert days.diff().max() >= pd.Timedelta(days=8), "a closed week"
    gaps = e.dropna(subset=["user_id"]).sort_values(["user_id", "event_time"])
    gaps = gaps.groupby("user_id")["event_time"].diff()
    assert (gaps == pd.Timedelta(minutes=30)).any(), "gaps of exactly 30 minutes"
    at_order = f.merge(o, left_on=["customer_id", "computed_at"],
                       right_on=["customer_id", "ordered_at"])
    assert len(at_order) >= 5, "snapshots taken at exactly an order's time"
    asof = m06.features_asof_reference(t)
    assert asof["orders_90d"].isna().any() and asof["orders_90d"].notna().any()
    assert len(m06.every_category_reference(t)) >= 4, "relational division has answers"
    funnel = m06.funnel_reference(t)["n_users"].tolist()
    assert funnel == sorted(funnel, reverse=True) and funnel[-1] > 0
    carted = set(e.loc[e["event_type"] == "add_to_cart", "user_id"].dropna())
    viewed = set(e.loc[e["event_type"] == "view", "user_id"].dropna())
    assert carted - viewed, "users who never viewed (the funnel's step rule matters)"


def test_variations_change_the_number_of_categories():
    counts = {_shop(s)["products"]["category"].nunique() for s in SEEDS}
    assert len(counts) >= 2


# --------------------------------------------------------------------------- sql: fresh databases


def test_a_destructive_query_does_not_reach_the_data_or_the_next_run():
    tables = m06.tiny_shop()
    before = {k: v.copy() for k, v in tables.items()}
    result = sql.run("DROP TABLE customers; DELETE FROM orders; "
                     "UPDATE products SET price = 0; SELECT COUNT(*) AS n FROM orders", tables)
    assert result["n"].tolist() == [0]  # inside its own database the damage is real...
    for name in tables:
        pd.testing.assert_frame_equal(tables[name], before[name])  # ...outside it is not
    again = sql.run("SELECT (SELECT COUNT(*) FROM customers) AS c, (SELECT COUNT(*) FROM orders) AS o,"
                    " (SELECT MAX(price) FROM products) AS p", tables)
    assert again.iloc[0].tolist() == [5, 8, 19.5]


def test_expect_query_runs_each_dataset_on_its_own_database():
    ns = {"Q": "DELETE FROM customers; SELECT customer_id, name FROM customers"}
    with pytest.raises(checks.CheckFailed):
        sql.expect_query("Q", datasets=[("tiny", m06.tiny_shop())],
                         reference=m06.never_ordered_reference, namespace=ns)
    ns = {"Q": "DROP TABLE orders; SELECT customer_id, name FROM customers "
               "WHERE customer_id NOT IN (4, 5) AND FALSE OR customer_id IN (4, 5)"}
    sql.expect_query("Q", datasets=[("a", m06.tiny_shop()), ("b", m06.tiny_shop())],
                     reference=m06.never_ordered_reference, namespace=ns)


# --------------------------------------------------------------------------- sql: error messages


def _failure(query, **kwargs):
    with pytest.raises(checks.CheckFailed) as info:
        sql.run(query, m06.tiny_shop(), what="MY_SQL", **kwargs)
    return str(info.value)


def _caret_column(message, line_text):
    lines = message.splitlines()
    i = next(k for k, text in enumerate(lines) if text.endswith(line_text))
    code_start = lines[i].index(" | ") + 3
    return lines[i + 1].index("^") - code_start


def test_error_shows_duckdb_message_and_marks_the_position():
    query = "SELECT customer_id, nam\nFROM customers\nWHERE country = 'DE'"
    msg = _failure(query)
    assert msg.startswith("MY_SQL: DuckDB could not run your query.")
    assert 'Binder Error: Referenced column "nam" not found' in msg
    assert "Traceback" not in msg and 'File "' not in msg and "LINE 1:" not in msg
    assert "1 | SELECT customer_id, nam" in msg and "3 | WHERE country = 'DE'" in msg
    assert _caret_column(msg, "SELECT customer_id, nam") == query.index("nam")
    assert "^^^" in msg


def test_error_position_on_a_later_and_a_long_line():
    query = ("\nSELECT customer_id\nFROM customers\nWHERE "
             + " AND ".join(f"customer_id <> {k}" for k in range(40)) + " AND nosuch = 1\n")
    msg = _failure(query)
    long_line = query.splitlines()[3]
    assert "4 | WHERE customer_id <> 0" in msg  # numbered as DuckDB numbers lines
    assert _caret_column(msg, long_line[-30:]) == long_line.index("nosuch")


def test_syntax_error_is_marked():
    msg = _failure("SELECT *\nFROM customers AS c\nLEFT JION orders AS o USING (customer_id)")
    assert "Parser Error" in msg and 'syntax error at or near "JION"' in msg
    assert _caret_column(msg, "LEFT JION orders AS o USING (customer_id)") == 5


def test_check_failed_renders_without_a_traceback():
    with pytest.raises(checks.CheckFailed) as info:
        sql.run("SELEC 1", {})
    rendered = info.value._render_traceback_()
    assert rendered[0].endswith("your query: DuckDB could not run your query.")
    assert not any("Traceback" in line for line in rendered)


@pytest.mark.parametrize("query, words", [
    ("DROP TABLE customers", "not a SELECT"),
    ("", "non-empty string"),
    (None, "non-empty string"),
])
def test_queries_that_return_no_rows_are_refused(query, words):
    assert words in _failure(query)


RUNAWAY = "SELECT SUM(a.range * b.range) FROM range(10000000) AS a, range(100000) AS b"


def test_a_runaway_query_is_interrupted():
    with pytest.raises(checks.TooSlow):
        sql.run(RUNAWAY, {}, budget_seconds=0.5)


def test_under_the_cohort_grader_a_query_stops_at_the_test_cells_time_limit(monkeypatch):
    """The hidden tests run the learner's queries in the grader: the test cell's limit
    bounds them all, as the kernel's interrupt would under stock nbgrader."""
    import time

    # the grader's cell limit, here without forgiving CPU waits (limit=): wall time exactly
    monkeypatch.setattr(checks, "_cell_deadline",
                        checks.WaitForgivingDeadline(0.5, limit=time.monotonic() + 0.5))
    start = time.monotonic()
    with pytest.raises(checks.TooSlow, match="test cell's time limit"):
        sql.run(RUNAWAY, {}, budget_seconds=20)
    assert time.monotonic() - start < 10  # not the query's own 20 s
    with pytest.raises(checks.TooSlow, match="reached before it ran"):
        sql.run("SELECT 1 AS a", {})
    monkeypatch.setattr(checks, "_cell_deadline", checks.WaitForgivingDeadline(60))
    assert sql.run("SELECT 1 AS a", {})["a"].tolist() == [1]


def test_queries_share_one_watchdog_that_still_stops_each_runaway_in_time(monkeypatch):
    """One thread per process times every query (starting and joining one per query held
    each query up while other students' work kept the cores busy); a query that may run
    for less time than the watchdog is sleeping wakes it: a short budget beside a long
    one still stops on time."""
    sql.run("SELECT 1 AS a", {}, budget_seconds=5)  # this process's watchdog exists
    started = []
    real_start = threading.Thread.start

    def counted_start(thread: threading.Thread) -> None:
        started.append(thread.name)
        real_start(thread)

    monkeypatch.setattr(threading.Thread, "start", counted_start)
    for n in range(30):
        assert sql.run(f"SELECT {n} AS a", {}, budget_seconds=5)["a"].tolist() == [n]
    assert started == []

    long_one = []

    def slow() -> None:
        with pytest.raises(checks.TooSlow):
            sql.run(RUNAWAY, {}, budget_seconds=8)
        long_one.append("stopped")

    beside = threading.Thread(target=slow)
    real_start(beside)
    time.sleep(0.3)  # the watchdog now sleeps until the 8 s budget runs out
    begun = time.monotonic()
    with pytest.raises(checks.TooSlow, match="longer than 0.3 s"):
        sql.run(RUNAWAY, {}, budget_seconds=0.3)
    assert time.monotonic() - begun < 4  # not held until the other query's 8 s
    beside.join(30)
    assert long_one == ["stopped"]


def test_an_interrupt_that_fails_does_not_end_the_watchdog(monkeypatch):
    """Every query of a process relies on its one watchdog: a connection whose interrupt
    raises must not take the thread down with it, or the next runaway would run on."""
    real = sql.Database.interrupt

    def flaky(self):
        real(self)
        raise RuntimeError("a connection that fails while interrupted")

    monkeypatch.setattr(sql.Database, "interrupt", flaky)
    with pytest.raises(checks.TooSlow):
        sql.run(RUNAWAY, {}, budget_seconds=0.3)
    monkeypatch.setattr(sql.Database, "interrupt", real)
    outcome, opened = [], []
    connect = sql.connect

    def recorded(*args, **kwargs):
        opened.append(connect(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(sql, "connect", recorded)

    def second() -> None:
        with pytest.raises(checks.TooSlow):
            sql.run(RUNAWAY, {}, budget_seconds=0.3)
        outcome.append("stopped")

    beside = threading.Thread(target=second, daemon=True)
    beside.start()
    beside.join(15)
    ran_on = beside.is_alive()
    if ran_on:  # the watchdog is gone: stop the query from here, then fail
        opened[0].interrupt()
        beside.join(15)
    assert not ran_on, "the watchdog died with the failed interrupt"
    assert outcome == ["stopped"]


def test_the_watchdog_can_be_ended_before_a_fork_and_the_next_query_starts_another():
    """The kernel factory queries DuckDB while it warms up, then forks every kernel: it
    must hold no thread but its own by then (see test_grading's factory test)."""
    def watchdogs() -> list:
        return [t for t in threading.enumerate() if t.name == "mlinterview-sql-watchdog"]

    sql.run("SELECT 1 AS a", {}, budget_seconds=5)
    assert watchdogs()
    sql.stop_watchdog()
    assert watchdogs() == []
    with pytest.raises(checks.TooSlow):
        sql.run(RUNAWAY, {}, budget_seconds=0.3)
    assert len(watchdogs()) == 1


def test_a_forked_grader_gets_a_watchdog_of_its_own():
    """Grading workers fork from a process that may have run queries: the watchdog thread
    does not survive the fork, so the child must start its own or its runaways run on."""
    import os
    import signal

    sql.run("SELECT 1 AS a", {}, budget_seconds=5)
    pid = os.fork()
    if pid == 0:  # the child: 0 if its runaway is stopped, 1 if it ends some other way
        code = 1
        try:
            sql.run(RUNAWAY, {}, budget_seconds=0.3)
        except checks.TooSlow:
            code = 0
        except BaseException:  # noqa: BLE001, S110 - anything else is a failure, reported as 1
            pass
        os._exit(code)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail("the forked process's runaway query was never interrupted")


def test_a_process_that_ran_a_timed_query_exits_quietly():
    """A learner's kernel, a grading worker, a test run: each runs timed queries, then exits.
    The watchdog thread, still alive at exit, kept DuckDB's objects alive past the count its
    bindings make, and every such process ended by printing some forty "nanobind: leaked"
    lines (on the terminal JupyterLab runs in, in CI's log)."""
    code = ("import pandas as pd\nfrom mlinterview import sql\n"
            "print(len(sql.run('SELECT * FROM t', {'t': pd.DataFrame({'a': [1, 2]})})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2"
    assert "leaked" not in done.stderr, done.stderr[:2000]


# --------------------------------------------------------------------------- sql: comparing results


def test_null_semantics_on_query_results():
    t = m06.tiny_shop()
    expected = pd.DataFrame({"x": [None, 1.0]})
    sql.check_query("SELECT * FROM (VALUES (NULL), (1)) AS t(x)", t, expected)
    for wrong in ("SELECT * FROM (VALUES (0), (1)) AS t(x)",
                  "SELECT * FROM (VALUES ('NULL'), ('1')) AS t(x)",
                  "SELECT * FROM (VALUES (1), (1)) AS t(x)"):
        with pytest.raises(checks.CheckFailed):
            sql.check_query(wrong, t, expected)
    # a NULL string and a NULL timestamp are NULL too
    sql.check_query("SELECT country FROM customers WHERE customer_id = 3", t,
                    pd.DataFrame({"country": [None]}))
    sql.check_query("SELECT MAX(ordered_at) AS m FROM orders WHERE FALSE", t,
                    pd.DataFrame({"m": [pd.NaT]}))


def test_column_names_and_order_are_checked():
    t = m06.tiny_shop()
    expected = m06.never_ordered_reference(t)
    with pytest.raises(checks.CheckFailed, match="expected columns"):
        sql.check_query("SELECT name, customer_id FROM customers WHERE customer_id > 3", t, expected)
    with pytest.raises(checks.CheckFailed, match="expected columns"):
        sql.check_query("SELECT customer_id AS id, name FROM customers WHERE customer_id > 3",
                        t, expected)
    sql.check_query("SELECT customer_id, name FROM customers WHERE customer_id > 3 "
                    "ORDER BY name DESC", t, expected)


def test_ordered_comparison_only_when_asked():
    t = m06.tiny_shop()
    reverse = ("SELECT * FROM (VALUES (4, 'purchase', 1), (3, 'checkout', 1), (2, 'add_to_cart', 2),"
               " (1, 'view', 2)) AS f(step, event_type, n_users)")
    sql.check_query(reverse, t, m06.funnel_reference(t))
    with pytest.raises(checks.CheckFailed, match="row order"):
        sql.check_query(reverse, t, m06.funnel_reference(t), ordered=True)


HARD_CODED = """
SELECT o.customer_id FROM orders AS o
JOIN order_items AS i ON i.order_id = o.order_id
JOIN products AS p ON p.product_id = i.product_id
WHERE o.customer_id IS NOT NULL AND p.category IS NOT NULL
GROUP BY o.customer_id
HAVING COUNT(DISTINCT p.category) = {n}
"""


def test_expect_query_names_the_first_variation_that_differs():
    n_today = m06.load_shop()["products"]["category"].nunique()
    ns = {"EVERY_CATEGORY_SQL": HARD_CODED.format(n=n_today)}
    with pytest.raises(checks.CheckFailed) as info:
        sql.expect_query("EVERY_CATEGORY_SQL", datasets=m06.variations(seed=611),
                         reference=m06.every_category_reference, namespace=ns)
    msg = str(info.value)
    assert msg.startswith("EVERY_CATEGORY_SQL on a variation of the shop (seed 611)")
    assert "it gave the right rows on the shipped shop" in msg


def test_expect_query_reads_the_callers_namespace():
    globals()["NEVER_ORDERED_SQL"] = ("SELECT customer_id, name FROM customers AS c WHERE NOT EXISTS "
                                      "(SELECT 1 FROM orders AS o WHERE o.customer_id = c.customer_id)")
    try:
        sql.expect_query("NEVER_ORDERED_SQL", datasets=m06.variations(seed=3, n=1),
                         reference=m06.never_ordered_reference)
    finally:
        del globals()["NEVER_ORDERED_SQL"]
    with pytest.raises(checks.NotAttempted):
        sql.expect_query("NEVER_ORDERED_SQL", datasets=m06.variations(seed=3, n=1),
                         reference=m06.never_ordered_reference)


def test_references_do_not_change_their_input():
    t = m06.make_shop(5)
    before = {k: v.copy() for k, v in t.items()}
    for name in dir(m06):
        if name.endswith("_reference"):
            getattr(m06, name)(t)
    for k in t:
        pd.testing.assert_frame_equal(t[k], before[k])


@pytest.mark.parametrize("query, token", [
    ("\n\nSELECT customer_id\nFROM nosuch", "nosuch"),  # catalog error after blank lines
    ("\n  SELECT customer_id, nam\nFROM customers", "nam"),  # binder error, indented
    ("\nSELECT *\nFROM customers\nLEFT JION orders USING (customer_id)", "JION"),  # parser error
    ("\nSELECT customer_id\nFROM customers WHERE name + 1 > 2", "+"),
])
def test_marker_lands_on_the_token_in_a_triple_quoted_query(query, token):
    msg = _failure(query)
    line = next(text for text in query.splitlines() if token in text)
    assert _caret_column(msg, line) == line.index(token)
    assert len(msg.splitlines()) < 20  # long candidate lists are cut


@pytest.mark.parametrize("statement", [
    "SELECT * FROM read_text('{secret}')",
    "SELECT * FROM read_csv('{secret}')",
    "COPY (SELECT 1 AS a) TO '{target}'; SELECT 1 AS a",
    "ATTACH '{target}' AS other; SELECT 1 AS a",
    "SET enable_external_access = true; SELECT * FROM read_text('{secret}')",
    "INSTALL httpfs; SELECT 1 AS a",
])
def test_a_query_reaches_no_file(tmp_path, statement):
    """The learner's SQL can read only the tables it is given: not source/, not the
    gradebook, and it writes nothing (under the cohort grader it also runs sandboxed)."""
    secret = tmp_path / "hidden_tests.txt"
    secret.write_text("the hidden test\n")
    target = tmp_path / "written.csv"
    query = statement.format(secret=secret, target=target)
    with pytest.raises(checks.CheckFailed) as info:
        sql.run(query, m06.tiny_shop())
    assert "hidden test" not in str(info.value)
    assert not target.exists()


def test_each_query_sees_only_its_own_tables():
    first = sql.run("CREATE TABLE leftover AS SELECT 42 AS a; SELECT * FROM leftover", m06.tiny_shop())
    assert first["a"].tolist() == [42]
    with pytest.raises(checks.CheckFailed, match="leftover"):
        sql.run("SELECT * FROM leftover", m06.tiny_shop())


# --------------------------------------------------------------------------- sql: shared read-only copies


def _schemas() -> set[str]:
    rows = sql._base().execute("SELECT schema_name FROM duckdb_schemas() "
                               "WHERE schema_name LIKE 'mlinterview_run_%'").fetchall()
    return {r[0] for r in rows}


COUNTS = ("SELECT (SELECT COUNT(*) FROM customers) AS c, (SELECT COUNT(*) FROM orders) AS o, "
          "(SELECT MAX(price) FROM products) AS p")


def test_select_only_queries_on_equal_tables_share_one_copy():
    sql.run(COUNTS, m06.tiny_shop())
    before = _schemas()
    for query in (COUNTS, "WITH x AS (SELECT 1 AS a) SELECT * FROM x", "SELECT 1 AS a; SELECT 2 AS b"):
        sql.run(query, m06.tiny_shop())  # new frames, same content
    assert _schemas() == before
    sql.run("CREATE TEMP TABLE t AS SELECT 1 AS a; SELECT * FROM t", m06.tiny_shop())
    assert _schemas() == before  # a private copy is dropped after its query


@pytest.mark.parametrize("change", ["value", "row order", "dtype", "column name", "new table"])
def test_a_select_reads_the_tables_it_is_given_not_a_stale_shared_copy(change):
    tables = m06.tiny_shop()
    assert sql.run(COUNTS, tables).iloc[0].tolist() == [5, 8, 19.5]
    products = tables["products"]
    if change == "value":
        products.loc[products["price"].idxmax(), "price"] = 99.0
        expected = [5, 8, 99.0]
    elif change == "row order":
        tables["products"] = products.iloc[::-1].reset_index(drop=True)
        expected = None
    elif change == "dtype":
        tables["products"] = products.assign(price=products["price"].round().astype("Int64"))
        expected = [5, 8, 20]
    elif change == "column name":
        tables["products"] = products.rename(columns={"price": "cost"})
        expected = "price"
    else:
        tables["extra"] = products.head(1)
        expected = [5, 8, 19.5]
    if expected == "price":
        with pytest.raises(checks.CheckFailed, match="price"):
            sql.run(COUNTS, tables)
        return
    if expected is not None:
        assert sql.run(COUNTS, tables).iloc[0].tolist() == expected
    first = sql.run("SELECT * FROM products LIMIT 1", tables)
    pd.testing.assert_frame_equal(first, tables["products"].head(1).reset_index(drop=True),
                                  check_dtype=False)


def test_a_destructive_query_never_reaches_the_shared_copy():
    assert sql.run(COUNTS, m06.tiny_shop()).iloc[0].tolist() == [5, 8, 19.5]
    damaged = sql.run("DELETE FROM orders; DROP TABLE customers; UPDATE products SET price = 0; "
                      "SELECT (SELECT COUNT(*) FROM orders) AS o", m06.tiny_shop())
    assert damaged["o"].tolist() == [0]
    assert sql.run(COUNTS, m06.tiny_shop()).iloc[0].tolist() == [5, 8, 19.5]


def test_a_select_that_ran_cleanly_passes_its_connection_on_and_no_other_does():
    """A SELECT-only query leaves its connection, set up for the shared copy, to the next
    query on equal tables; not one it interrupted, nor one that called setseed() (the
    one state a SELECT leaves on a connection: random()'s)."""
    import duckdb

    sql.run(COUNTS, m06.tiny_shop())
    schema = sql._SHARED[sql._content_key(m06.tiny_shop())]
    idle = list(sql._IDLE[schema])
    assert len(idle) == 1
    assert sql.run(COUNTS, m06.tiny_shop()).iloc[0].tolist() == [5, 8, 19.5]
    assert sql._IDLE[schema] == idle  # the same connection, taken and given back
    with pytest.raises(checks.TooSlow):
        sql.run("SELECT SUM(a.range * b.range) AS s FROM range(10000000) AS a, "
                "range(100000) AS b, customers", m06.tiny_shop(), budget_seconds=0.3)
    assert sql._IDLE[schema] == []  # the interrupted one was closed
    assert sql.run(COUNTS, m06.tiny_shop()).iloc[0].tolist() == [5, 8, 19.5]

    fresh = duckdb.connect()
    fresh.execute("SELECT setseed(0.5)")
    seeded = [fresh.execute("SELECT random()").fetchone()[0] for _ in range(2)]
    sql.run("SELECT setseed(0.5) AS s", m06.tiny_shop())
    assert sql.run("SELECT random() AS r", m06.tiny_shop())["r"].iloc[0] not in seeded


def test_the_shops_datasets_carry_their_content_key_worked_out_once(tmp_path, monkeypatch):
    """m06.variations hands each shop to the checks with its content key (hashing a
    shop for each query was a tenth of a grader's work), and the key is the tables' own:
    the same as hashing them now, a fresh copy each call, and a new key when a
    shipped file changes.

    Equal tables may pickle differently (``sql._content_key``): a key worked out in an
    earlier test of this process, from an earlier copy, may differ from a fresh hash of
    today's copy, and still stands for the same content. So the keys are worked out
    afresh here, from the first call's own tables."""
    m06._KEYS.clear()
    first, again = m06.variations(seed=601), m06.variations(seed=601)
    for (label, tables), (_, copy) in zip(first, again):
        assert isinstance(tables, sql.Dataset), label
        assert tables.content_key == sql._content_key(tables) == copy.content_key, label
        assert tables["orders"] is not copy["orders"]
        for name in tables:
            pd.testing.assert_frame_equal(tables[name], copy[name])
    assert first[1][1].content_key != m06.variations(seed=602)[1][1].content_key

    shutil.copytree(datasets.data_dir(), tmp_path / "data")
    monkeypatch.setenv("MLINTERVIEW_DATA", str(tmp_path / "data"))
    before = m06.variations(seed=601, n=0)[0][1]
    products = tmp_path / "data" / m06.DATA_FOLDER / "products.csv"
    lines = products.read_text().splitlines()
    products.write_text("\n".join(lines[:-1]) + "\n")  # the last product gone
    after = m06.variations(seed=601, n=0)[0][1]
    assert len(after["products"]) == len(before["products"]) - 1
    assert after.content_key == sql._content_key(after) != before.content_key


def test_tables_that_do_not_pickle_get_a_private_copy_and_few_copies_are_kept():
    odd = {"t": pd.DataFrame({"a": [1, 2], "lock": [threading.Lock(), threading.Lock()]})}
    assert sql._content_key(odd) is None
    assert sql.run("SELECT a FROM t", {"t": odd["t"][["a"]]})["a"].tolist() == [1, 2]
    lists = {"t": pd.DataFrame({"a": [1, 2], "tags": [["x"], ["y", "z"]]})}
    assert sql.run("SELECT a, len(tags) AS n FROM t", lists)["n"].tolist() == [1, 2]
    lists["t"].at[0, "tags"] = ["x", "y", "w"]  # the same object, changed inside a cell
    assert sql.run("SELECT a, len(tags) AS n FROM t", lists)["n"].tolist() == [3, 2]
    for k in range(sql._MAX_SHARED + 5):
        sql.run("SELECT a FROM t", {"t": pd.DataFrame({"a": [k]})})
    assert len(_schemas()) <= sql._MAX_SHARED


def test_what_a_writing_query_creates_anywhere_is_gone_for_the_next_query():
    """A query that writes runs on a DuckDB instance of its own: a table or macro made
    outside its schema (in ``main``, say) does not outlive it."""
    made = sql.run("CREATE TABLE main.leftover AS SELECT 42 AS a; CREATE MACRO main.evil(x) AS 42; "
                   "SELECT evil(1) AS a FROM main.leftover", m06.tiny_shop())
    assert made["a"].tolist() == [42]
    for later in ("SELECT * FROM main.leftover", "SELECT evil(1) AS a",
                  "CREATE TABLE t AS SELECT 1 AS a; SELECT * FROM main.leftover"):
        with pytest.raises(checks.CheckFailed, match="leftover|evil"):
            sql.run(later, m06.tiny_shop())


def test_a_huge_result_is_refused_and_a_large_one_is_read_whole_in_order(monkeypatch):
    monkeypatch.setattr(sql, "MAX_ROWS", 300_000)  # several 131,072-row chunks either way
    whole = sql.run("SELECT range AS i FROM range(300000) ORDER BY i", {})
    assert whole["i"].tolist() == list(range(300_000))
    with pytest.raises(checks.CheckFailed, match="more than 300,000 rows"):
        sql.run("SELECT * FROM range(400000)", {})


@pytest.mark.parametrize("setting", ["SET memory_limit = '100GB'", "SET threads = 8",
                                     "RESET memory_limit"])
def test_a_query_cannot_lift_the_limits(setting):
    with pytest.raises(checks.CheckFailed, match="configuration"):
        sql.run(f"{setting}; SELECT 1 AS a", m06.tiny_shop())


@pytest.mark.parametrize("forgiving", [True, False])
def test_a_query_budget_forgives_waits_for_a_crowded_cpu(forgiving, monkeypatch):
    """A query needing about 0.3 s of CPU, with a 1 s budget, on a CPU it shares with four
    busy processes (a grader running students side by side): it takes well over 1 s by the
    clock, and passes because the waits are forgiven; counting wall time, it is stopped."""
    import os

    from test_checks import _hogs_on_my_cpu

    def query(n: int) -> str:
        return f"SELECT count(*) AS n FROM range({n}) a, range(1000) b WHERE (a.range * b.range) % 7 = 3"

    n = 1000
    while n < 10**8:  # a size that takes 0.3 s of CPU (of this thread: DuckDB runs one, this)
        start = time.thread_time()  # not the clock: the rest of the suite may be busy now
        sql.run(query(n), {})
        if time.thread_time() - start >= 0.3:
            break
        n *= 2
    if not forgiving:
        monkeypatch.setattr(checks, "_runqueue_seconds", lambda *args: 0.0)
    saved = os.sched_getaffinity(0)
    hogs = _hogs_on_my_cpu(4)
    try:
        time.sleep(0.2)
        began = time.monotonic()
        if forgiving:
            assert sql.run(query(n), {}, budget_seconds=1.0)["n"].iloc[0] > 0
            assert time.monotonic() - began > 1.0  # over the budget by the clock: forgiven
        else:
            with pytest.raises(checks.TooSlow, match="longer than 1 s"):
                sql.run(query(n), {}, budget_seconds=1.0)
    finally:
        for h in hogs:
            h.kill()
            h.join()
        os.sched_setaffinity(0, saved)


def test_the_cpu_queries_take_is_counted_for_the_grader_to_record():
    """A grader records the CPU a submission's queries took (in m06 the learner's code is SQL
    and runs there); a query that works counts, a query DuckDB rejects counts too."""
    tables = {"t": pd.DataFrame({"i": range(10)})}
    before = sql.cpu_spent()
    sql.run("SELECT sum(a.range * b.range) AS s FROM range(6000) a, range(6000) b", tables)
    heavy = sql.cpu_spent() - before
    assert heavy > 0.05  # 36 million products: about 0.2 s
    before = sql.cpu_spent()
    with pytest.raises(checks.CheckFailed):
        sql.run("SELECT nope FROM t", tables)
    assert 0 < sql.cpu_spent() - before < heavy
