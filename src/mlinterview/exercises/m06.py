"""m06_sql_duckdb: the online-shop data, its seeded variations and the pandas references.

The references are written in pandas, never by running a reference query, so
that a learner's SQL is compared with an independent computation of the same
contract. Every reference takes a dict of tables (name -> DataFrame, the same
dict the learner's query runs on) and returns a DataFrame whose columns are
the contract's columns, in the contract's order.

The shop (``make_shop``) holds the awkward cases SQL questions need: customers
with no orders, guest orders with a NULL ``customer_id``, referrals pointing
at deleted customers, NULL statuses, categories and prices, ties in prices,
order totals and units sold, exact duplicate event rows, days (and a whole
week) with no orders, event gaps of exactly 30 minutes, and feature snapshots
taken at exactly an order's time.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from datetime import timedelta

import numpy as np
import pandas as pd

from .. import datasets

Tables = dict[str, pd.DataFrame]

# pure seeded generators, computed once per grading run (see grading/memo.py)
MEMOISE = ("make_shop",)
SHIPPED_SEED = 6
DATA_FOLDER = "m06_shop"
SESSION_GAP = pd.Timedelta(minutes=30)
FUNNEL_STEPS = ("view", "add_to_cart", "checkout", "purchase")

# Column types of every table, so the CSV files load back into exactly what
# make_shop returns (nullable integers stay integers, timestamps stay timestamps).
SCHEMA: dict[str, dict[str, str]] = {
    "customers": {"customer_id": "int64", "name": "str", "country": "str",
                  "signed_up_at": "datetime", "referred_by": "Int64"},
    "products": {"product_id": "int64", "name": "str", "category": "str", "price": "float64"},
    "orders": {"order_id": "int64", "customer_id": "Int64", "ordered_at": "datetime",
               "status": "str"},
    "order_items": {"order_id": "int64", "product_id": "int64", "quantity": "int64",
                    "unit_price": "float64"},
    "events": {"user_id": "Int64", "event_time": "datetime", "event_type": "str",
               "product_id": "Int64"},
    "customer_features": {"customer_id": "int64", "computed_at": "datetime",
                          "orders_90d": "int64", "spend_90d": "float64"},
}

_FIRST = ["Ada", "Ben", "Chloe", "Dev", "Emma", "Felix", "Grace", "Hugo", "Iris", "Jonas",
          "Kira", "Liam", "Mia", "Noah", "Olga", "Pablo", "Quinn", "Rosa", "Sami", "Tara"]
_LAST = ["Meyer", "Dubois", "Smith", "Garcia", "Rossi", "Novak", "Khan", "Silva", "Berg", "Ito"]
_COUNTRIES = ["DE", "FR", "US", "GB", "ES", "NL"]
_CATEGORIES = ["books", "kitchen", "toys", "garden", "games", "music", "outdoor"]
# Multiples of 0.5 are exact in binary floating point, so sums of prices tie
# exactly in SQL and in pandas whatever the order of summation.
_PRICES = [4.5, 9.0, 12.5, 19.5, 24.0, 35.5, 49.5, 99.0]
_STATUSES = ["completed", "shipped", "cancelled", "returned", None]
_CUSTOMER_STATUS_P = np.array([0.65, 0.12, 0.1, 0.06, 0.07])
_GUEST_STATUS_P = np.array([0.5, 0.1, 0.2, 0.05, 0.15])
_QUANTITIES = np.array([1, 1, 1, 2, 2, 3])


def _frame(rows: list[tuple], table: str) -> pd.DataFrame:
    return _typed(pd.DataFrame(rows, columns=list(SCHEMA[table])), table)


def _typed(df: pd.DataFrame, table: str) -> pd.DataFrame:
    out = {}
    for col, kind in SCHEMA[table].items():
        s = df[col]
        if kind == "datetime":
            out[col] = pd.to_datetime(s).astype("datetime64[us]")
        elif kind == "str":
            out[col] = s.astype(object).where(s.notna(), None)
        else:  # through to_numeric: text read from a CSV file, on pandas 2 and 3 alike
            out[col] = pd.to_numeric(s).astype(kind)
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- the generator


def make_shop(seed: int) -> Tables:
    """A small online shop, the same for the same seed (a fresh copy on every call).

    Sizes, dates and the number of categories change with the seed, so a
    query that hard-codes today's rows (an id, a date, "5 categories") fails
    on another seed. Returns name -> DataFrame for ``customers``,
    ``products``, ``orders``, ``order_items``, ``events`` and
    ``customer_features`` (types as :data:`SCHEMA` says).
    """
    return {name: df.copy() for name, df in _make_shop(seed).items()}


@functools.lru_cache(maxsize=16)
def _make_shop(seed: int) -> Tables:
    # numpy's PCG64 seeded here: no global random state is read or changed
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01") + timedelta(days=int(rng.integers(0, 60)))
    n_days = 120

    # customers: some referred by an earlier customer, two by deleted accounts
    n_customers = int(rng.integers(120, 181))
    customers = []
    for cid in range(1, n_customers + 1):
        name = f"{_FIRST[rng.integers(len(_FIRST))]} {_LAST[rng.integers(len(_LAST))]}"
        country = None if rng.random() < 0.08 else _COUNTRIES[rng.integers(len(_COUNTRIES))]
        signed_up = start - timedelta(days=int(rng.integers(0, 400)))
        referred_by = int(rng.integers(1, cid)) if cid > 1 and rng.random() < 0.2 else None
        customers.append((cid, name, country, signed_up, referred_by))
    for k, cid in enumerate(rng.choice(np.arange(2, n_customers + 1), size=2, replace=False)):
        row = customers[cid - 1]
        customers[cid - 1] = (*row[:4], n_customers + 10 + k)  # the referrer's account was deleted

    # products: a tie at the top price, one product without a price, two without a category
    categories = [str(c) for c in rng.choice(_CATEGORIES, size=int(rng.integers(4, 7)),
                                             replace=False)]
    n_products = int(rng.integers(24, 36))
    products = []
    for pid in range(1, n_products + 1):
        category = categories[(pid - 1) % len(categories)] if pid <= len(categories) \
            else categories[rng.integers(len(categories))]
        price = float(rng.choice(_PRICES))
        products.append([pid, f"item {pid:02d}", category, price])
    top = rng.choice(np.arange(n_products), size=2, replace=False)
    for i in top:
        products[i][3] = 150.0
    for i in rng.choice(np.arange(len(categories), n_products), size=3, replace=False)[:2]:
        products[i][2] = None
    no_price = int(rng.choice([i for i in range(len(categories), n_products) if i not in top]))
    products[no_price][3] = None
    price_of = {p[0]: p[3] for p in products}
    priced = [p[0] for p in products if p[3] is not None]
    category_of = {p[0]: p[2] for p in products}

    # open days: about one day in eight closed, plus a closed week
    closed = set(np.flatnonzero(rng.random(n_days) < 0.12).tolist())
    week = int(rng.integers(30, 90))
    closed |= set(range(week, week + 7))
    open_days = [d for d in range(n_days) if d not in closed]
    # numpy draws the same from an array as from the list, without converting it per draw
    open_array, priced_array = np.asarray(open_days), np.asarray(priced)

    def when(day: int) -> pd.Timestamp:
        return start + timedelta(days=day, seconds=int(rng.integers(8 * 3600, 22 * 3600)))

    orders, items = [], []

    def add_order(customer_id, status, basket) -> None:
        oid = 1000 + len(orders) + 1
        orders.append((oid, customer_id, when(int(rng.choice(open_array))), status))
        for pid in basket:
            items.append((oid, pid, int(rng.choice(_QUANTITIES)), price_of[pid]))

    def basket() -> list[int]:
        if rng.random() < 0.04:
            return []  # an order whose lines were never written
        return [int(p) for p in rng.choice(priced_array, size=int(rng.integers(1, 5)),
                                           replace=False)]

    buyers = [c for c in range(1, n_customers + 1) if rng.random() > 0.15]
    for cid in buyers:
        for _ in range(int(rng.integers(1, 7))):
            add_order(cid, _STATUSES[rng.choice(5, p=_CUSTOMER_STATUS_P)], basket())
    for _ in range(int(rng.integers(20, 31))):  # guest checkouts
        add_order(None, _STATUSES[rng.choice(5, p=_GUEST_STATUS_P)], basket())
    # a few customers buy from every category (relational division has answers)
    for cid in rng.choice(buyers, size=4, replace=False):
        per_category = [int(rng.choice([p for p in priced if category_of[p] == c]))
                        for c in categories]
        add_order(int(cid), "completed", per_category)
    orders.sort(key=lambda o: (o[2], o[0]))

    events = _make_events(rng, start, n_days, n_customers, priced_array)
    features = _make_features(rng, orders, items, start, n_days)

    return {
        "customers": _frame(customers, "customers"),
        "products": _frame([tuple(p) for p in products], "products"),
        "orders": _frame(orders, "orders"),
        "order_items": _frame(items, "order_items"),
        "events": _frame(events, "events"),
        "customer_features": _frame(features, "customer_features"),
    }


def _make_events(rng, start, n_days, n_customers, priced) -> list[tuple]:
    """Sessions of clicks: runs of active days, funnels, 30-minute gaps, duplicates."""
    events = []
    users = [int(u) for u in rng.choice(np.arange(1, n_customers + 1),
                                        size=int(0.5 * n_customers), replace=False)]
    for user in [None, None, None, *users]:
        skips_views = rng.random() < 0.05  # arrives by direct add-to-cart links only
        day = int(rng.integers(0, n_days - 30))
        last_day = day + int(rng.integers(4, 20))  # each visitor is active for a few weeks
        while day < last_day:
            for _ in range(int(rng.integers(1, 5))):  # a run of consecutive active days
                if day >= last_day:
                    break
                t = start + timedelta(days=day, seconds=int(rng.integers(7 * 3600, 20 * 3600)))
                for _ in range(int(rng.integers(1, 3))):  # sessions that day
                    t = _session(rng, events, user, t, priced, skips_views)
                    t += timedelta(minutes=int(rng.integers(31, 240)))
                day += 1
            day += int(rng.integers(2, 15))
    return events


def _session(rng, events, user, t, priced, skips_views) -> pd.Timestamp:
    def emit(kind, product=None):
        nonlocal t
        events.append((user, t, kind, product))
        if rng.random() < 0.03:
            events.append((user, t, kind, product))  # the tracker fired twice
        gap = rng.random()
        # exactly 30 minutes still belongs to the same session; 31 does not
        t += timedelta(minutes=30) if gap < 0.05 else timedelta(
            seconds=int(rng.integers(20, 20 * 60)))

    product = int(rng.choice(priced))
    if rng.random() < 0.2:
        emit("search")
    if rng.random() > 0.06 and not skips_views:  # some sessions start from an add-to-cart link
        for _ in range(int(rng.integers(1, 4))):
            emit("view", product)
    if rng.random() < 0.5:
        emit("add_to_cart", product)
        if rng.random() < 0.6:
            emit("checkout")
            if rng.random() < 0.75:
                emit("purchase")
    return t


def _make_features(rng, orders, items, start, n_days) -> list[tuple]:
    """Snapshots of each customer's last-90-day activity, as a feature pipeline writes them."""
    total = {}
    for oid, _pid, qty, price in items:
        total[oid] = total.get(oid, 0.0) + qty * price
    by_customer: dict[int, list[tuple[pd.Timestamp, float]]] = {}
    for oid, cid, at, _status in orders:
        if cid is not None:
            by_customer.setdefault(cid, []).append((at, total.get(oid, 0.0)))
    rows = []
    for cid in sorted(by_customer):
        history = by_customer[cid]
        times = [start + timedelta(days=int(d), hours=2)
                 for d in np.sort(rng.choice(n_days, size=int(rng.integers(2, 8)), replace=False))]
        if rng.random() < 0.3:
            times.append(history[int(rng.integers(len(history)))][0])  # at exactly an order's time
        for at in sorted(set(times)):
            since = at - timedelta(days=90)  # once per snapshot, not once per order
            recent = [v for t, v in history if since < t <= at]
            rows.append((cid, at, len(recent), float(sum(recent))))
    return rows


# --------------------------------------------------------------------------- files and variations


def write_shop(tables: Mapping[str, pd.DataFrame], folder) -> None:
    """Write each table as ``<name>.csv`` (the same bytes for the same tables)."""
    for name, df in tables.items():
        df.to_csv(f"{folder}/{name}.csv", index=False, lineterminator="\n",
                  date_format="%Y-%m-%d %H:%M:%S")


def read_table(name: str, folder=None) -> pd.DataFrame:
    """One table of the shipped shop, with the types of :data:`SCHEMA`."""
    path = datasets.path(f"{DATA_FOLDER}/{name}.csv") if folder is None else f"{folder}/{name}.csv"
    return datasets.read_cached(path, _read_typed, name)


def _read_typed(path, name: str) -> pd.DataFrame:
    return _typed(pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""]), name)


def load_shop(folder=None) -> Tables:
    """The shipped shop, read from ``data/m06_shop/*.csv``."""
    return {name: read_table(name, folder) for name in SCHEMA}


def warm_kernel() -> None:
    """Run once by ``mlinterview grade``'s kernel factory: every kernel then starts with
    the shipped shop read (the notebook's first cell loads it). Public data only."""
    load_shop()


def variations(seed: int, n: int = 2, extra: list[tuple[str, Tables]] | None = None
               ) -> list[tuple[str, Tables]]:
    """The datasets a hidden test runs a query on: the shipped shop, then ``n`` seeded others.

    ``extra`` adds hand-made edge cases (label, tables) at the end.
    """
    out = [("the shipped shop (data/m06_shop)", _keyed(load_shop(), ("shipped", _shipped_version())))]
    out += [(f"a variation of the shop (seed {seed + k})", _keyed(make_shop(seed + k), ("seed", seed + k)))
            for k in range(n)]
    return out + list(extra or [])


_KEYS: dict[tuple, tuple | None] = {}  # how a shop was made -> the content key of its tables


def _keyed(tables: Tables, made: tuple) -> Tables:
    """``tables`` with the content key SQL checks identify them by (see ``sql.Dataset``),
    worked out once per way of making them (``made``): hashing a shop again for each
    of a submission's 60 queries cost 50 ms of a grader's CPU a submission. Fresh tables,
    never changed before they reach the check: the key stays theirs."""
    from .. import sql

    if made not in _KEYS:
        _KEYS[made] = sql.Dataset.of(tables).content_key
    return sql.Dataset(tables, _KEYS[made])


def _shipped_version() -> tuple:
    """Which files the shipped shop is read from, as they are now (path, size, time)."""
    out = []
    for name in SCHEMA:
        st = os.stat(path := datasets.path(f"{DATA_FOLDER}/{name}.csv"))
        out.append((os.fspath(path), st.st_size, st.st_mtime_ns))
    return tuple(out)


# --------------------------------------------------------------------------- a tiny hand-made shop


def tiny_shop() -> Tables:
    """Five customers, seven products, eight orders: every awkward case, small enough to read.

    A fresh copy on every call (a test may change what it gets); built once per process.
    """
    return {name: df.copy() for name, df in _tiny_shop().items()}


@functools.lru_cache(maxsize=1)
def _tiny_shop() -> Tables:
    ts = pd.Timestamp
    return {
        "customers": _frame([
            (1, "Ada", "DE", ts("2023-11-02"), None),
            (2, "Ben", "FR", ts("2023-12-24"), 1),
            (3, "Cy", None, ts("2024-01-15"), 9),  # referred by a deleted account
            (4, "Dee", "US", ts("2024-02-01"), None),  # never ordered
            (5, "Eve", "DE", ts("2024-02-20"), 2),  # never ordered
        ], "customers"),
        "products": _frame([
            (101, "notebook", "books", 19.5),
            (102, "novel", "books", 19.5),
            (103, "kite", "toys", 9.0),
            (104, "yo-yo", "toys", 4.5),
            (105, "mystery box", None, None),
            (106, "atlas", "books", 12.5),
            (107, "puzzle", "toys", 19.5),
        ], "products"),
        "orders": _frame([
            (1001, 1, ts("2024-03-01 09:00"), "completed"),
            (1002, 1, ts("2024-03-02 10:00"), "cancelled"),
            (1003, 2, ts("2024-03-02 11:00"), None),
            (1004, None, ts("2024-03-05 12:00"), None),
            (1005, None, ts("2024-03-09 13:00"), "cancelled"),
            (1006, None, ts("2024-04-01 08:00"), "completed"),
            (1007, 3, ts("2024-04-02 14:00"), "completed"),
            (1008, 1, ts("2024-04-10 15:00"), "shipped"),  # no order lines
        ], "orders"),
        "order_items": _frame([
            (1001, 101, 1, 19.5), (1001, 103, 2, 9.0),
            (1002, 102, 1, 19.5),
            (1003, 101, 1, 19.5), (1003, 102, 1, 19.5),
            (1004, 104, 3, 4.5),
            (1005, 105, 1, 12.5),
            (1006, 102, 2, 19.5),
            (1007, 103, 3, 9.0), (1007, 104, 1, 4.5), (1007, 106, 2, 12.5),
        ], "order_items"),
        "events": _frame([
            (1, ts("2024-03-01 09:00"), "view", 101),
            (1, ts("2024-03-01 09:10"), "add_to_cart", 101),
            (1, ts("2024-03-01 09:40"), "checkout", None),  # exactly 30 minutes later
            (1, ts("2024-03-01 09:41"), "purchase", None),
            (1, ts("2024-03-01 09:41"), "purchase", None),  # a duplicate row
            (1, ts("2024-03-02 10:00"), "view", 102),
            (1, ts("2024-03-03 08:00"), "view", 103),
            (1, ts("2024-03-05 08:00"), "view", 103),
            (2, ts("2024-03-02 11:00"), "view", 101),
            (2, ts("2024-03-02 11:31"), "add_to_cart", 101),  # 31 minutes: a new session
            (2, ts("2024-03-04 18:00"), "view", 102),
            (3, ts("2024-03-04 12:00"), "add_to_cart", 103),  # no view first
            (3, ts("2024-03-04 12:05"), "checkout", None),
            (3, ts("2024-03-04 12:06"), "purchase", None),
            (4, ts("2024-03-06 20:00"), "search", None),
            (None, ts("2024-03-01 10:00"), "view", 104),
            (None, ts("2024-03-01 12:00"), "view", 104),
        ], "events"),
        "customer_features": _frame([
            (1, ts("2024-03-01 09:00"), 0, 0.0),  # at exactly order 1001's time
            (1, ts("2024-03-05 02:00"), 2, 57.0),
            (1, ts("2024-04-15 02:00"), 2, 37.5),  # after every order: never used
            (2, ts("2024-03-03 02:00"), 1, 39.0),  # after Ben's only order
            (3, ts("2024-03-20 02:00"), 0, 0.0),
        ], "customer_features"),
    }


def edge_shop(kind: str) -> Tables:
    """A tiny shop bent into one edge case (named by ``kind``) for the hidden tests."""
    t = tiny_shop()  # fresh copies: bent here without touching anyone else's
    if kind == "one price":
        t["products"]["price"] = 19.5
    elif kind == "no products":
        t["products"] = t["products"].iloc[:0]
    elif kind == "no guests":
        t["orders"] = t["orders"][t["orders"]["customer_id"].notna()].reset_index(drop=True)
    elif kind == "as shown":
        pass
    elif kind == "everyone ordered":
        t["customers"] = t["customers"][t["customers"]["customer_id"] <= 3].reset_index(drop=True)
    else:
        raise ValueError(f"unknown edge case {kind!r}")
    return t


def edges(*kinds: str) -> list[tuple[str, Tables]]:
    return [(f"edge case: {k}", edge_shop(k)) for k in kinds]


# --------------------------------------------------------------------------- the references


def _ordered(t: Tables) -> pd.DataFrame:
    return t["orders"].astype({"customer_id": "Int64"})


def _order_totals(t: Tables) -> pd.DataFrame:
    items = t["order_items"]
    return (items.assign(amount=items["quantity"] * items["unit_price"])
            .groupby("order_id", as_index=False)["amount"].sum()
            .rename(columns={"amount": "order_total"}))


def customer_orders_reference(t: Tables) -> pd.DataFrame:
    """Part 1: every customer with each of their orders; a customer with none appears once with NULLs."""
    customers = t["customers"][["customer_id", "name"]].astype({"customer_id": "Int64"})
    orders = _ordered(t)
    orders = orders[orders["customer_id"].notna()][["customer_id", "order_id", "ordered_at"]]
    return customers.merge(orders, on="customer_id", how="left")[
        ["customer_id", "name", "order_id", "ordered_at"]]


def referrals_reference(t: Tables) -> pd.DataFrame:
    """Part 2: each referred customer with the referrer's name (NULL when that account is gone)."""
    c = t["customers"]
    referred = c[c["referred_by"].notna()][["customer_id", "name", "referred_by"]]
    names = c[["customer_id", "name"]].rename(columns={"customer_id": "referred_by",
                                                       "name": "referrer_name"})
    names = names.astype({"referred_by": "Int64"})
    out = referred.astype({"referred_by": "Int64"}).merge(names, on="referred_by", how="left")
    return out[["customer_id", "name", "referrer_name"]]


def never_ordered_reference(t: Tables) -> pd.DataFrame:
    """Part 3: customers with no order at all (guest orders' NULL ids match nobody)."""
    c = t["customers"]
    ordered = set(t["orders"]["customer_id"].dropna().astype(int))
    return c[~c["customer_id"].isin(ordered)][["customer_id", "name"]]


def monthly_orders_reference(t: Tables) -> pd.DataFrame:
    """Part 4: orders per customer per month, for every customer and every month with any order."""
    orders = _ordered(t)
    month = orders["ordered_at"].dt.to_period("M").dt.to_timestamp()
    months = pd.DataFrame({"month": sorted(month.unique())})
    grid = t["customers"][["customer_id"]].merge(months, how="cross")
    known = orders.assign(month=month)[orders["customer_id"].notna()]
    counts = known.groupby(["customer_id", "month"]).size().rename("n_orders").reset_index()
    counts = counts.astype({"customer_id": "int64"})
    out = grid.merge(counts, on=["customer_id", "month"], how="left")
    out["n_orders"] = out["n_orders"].fillna(0).astype("int64")
    return out[["customer_id", "month", "n_orders"]]


def open_guest_orders_reference(t: Tables) -> pd.DataFrame:
    """Part 5: guest orders (no customer) that are not cancelled; a NULL status is not cancelled."""
    o = t["orders"]
    keep = o["customer_id"].isna() & (o["status"].isna() | (o["status"] != "cancelled"))
    return o[keep][["order_id", "ordered_at", "status"]]


def second_highest_price_reference(t: Tables) -> pd.DataFrame:
    """Part 6: the second highest distinct price, one row; NULL when there are fewer than two."""
    prices = sorted(set(t["products"]["price"].dropna()), reverse=True)
    return pd.DataFrame({"second_highest_price": [prices[1] if len(prices) > 1 else None]})


def order_total_rank_reference(t: Tables) -> pd.DataFrame:
    """Part 7: each order with lines, its total and its dense rank (1 = the biggest total)."""
    totals = _order_totals(t)
    totals["total_rank"] = totals["order_total"].rank(method="dense", ascending=False).astype("int64")
    return totals[["order_id", "order_total", "total_rank"]]


def top_products_reference(t: Tables, n: int = 2) -> pd.DataFrame:
    """Part 8: per category (NULL is a group too), products with fewer than n products selling more."""
    units = t["order_items"].groupby("product_id", as_index=False)["quantity"].sum()
    units = units.rename(columns={"quantity": "units_sold"})
    sold = units.merge(t["products"][["product_id", "category"]], on="product_id")
    key = sold["category"].fillna("\x00no category")
    rank = sold.groupby(key)["units_sold"].rank(method="min", ascending=False)
    return sold[rank <= n][["category", "product_id", "units_sold"]]


def longest_streak_reference(t: Tables) -> pd.DataFrame:
    """Part 9: per known user, the longest run of consecutive calendar days with an event."""
    e = t["events"][t["events"]["user_id"].notna()]
    days = (pd.DataFrame({"user_id": e["user_id"].astype("int64"),
                          "day": e["event_time"].dt.normalize()})
            .drop_duplicates().sort_values(["user_id", "day"]))
    rows = []
    for user, group in days.groupby("user_id"):
        best = run = 1
        previous = None
        for day in group["day"]:
            if previous is not None:
                run = run + 1 if day - previous == pd.Timedelta(days=1) else 1
                best = max(best, run)
            previous = day
        rows.append((int(user), best))
    return pd.DataFrame(rows, columns=["user_id", "longest_streak"])


def revenue_7d_reference(t: Tables) -> pd.DataFrame:
    """Part 10: per day with order lines, that day's revenue and the last 7 calendar days' sum."""
    items = t["order_items"].merge(t["orders"][["order_id", "ordered_at"]], on="order_id")
    items["order_date"] = items["ordered_at"].dt.normalize()
    items["amount"] = items["quantity"] * items["unit_price"]
    daily = items.groupby("order_date", as_index=False)["amount"].sum()
    daily = daily.rename(columns={"amount": "revenue"})
    window = []
    for day in daily["order_date"]:
        inside = (daily["order_date"] > day - pd.Timedelta(days=7)) & (daily["order_date"] <= day)
        window.append(daily.loc[inside, "revenue"].sum())
    daily["revenue_7d"] = window
    return daily[["order_date", "revenue", "revenue_7d"]]


def every_category_reference(t: Tables) -> pd.DataFrame:
    """Part 11: customers who bought at least one product of every (non-NULL) category."""
    categories = set(t["products"]["category"].dropna())
    lines = (t["order_items"].merge(t["orders"][["order_id", "customer_id"]], on="order_id")
             .merge(t["products"][["product_id", "category"]], on="product_id"))
    lines = lines[lines["customer_id"].notna() & lines["category"].notna()]
    bought = lines.groupby("customer_id")["category"].agg(set)
    ids = [int(c) for c, cats in bought.items() if categories and cats >= categories]
    return pd.DataFrame({"customer_id": pd.Series(ids, dtype="int64")})


def sessions_reference(t: Tables) -> pd.DataFrame:
    """Part 12: sessions per known user; a gap of more than 30 minutes starts a new one."""
    e = t["events"][t["events"]["user_id"].notna()].sort_values(["user_id", "event_time"])
    rows = []
    for user, group in e.groupby("user_id"):
        number, first, last, count = 0, None, None, 0
        for at in group["event_time"]:
            if last is not None and at - last > SESSION_GAP:
                rows.append((int(user), number, first, last, count))
                last = None
            if last is None:
                number, first, count = number + 1, at, 0
            last, count = at, count + 1
        rows.append((int(user), number, first, last, count))
    return pd.DataFrame(rows, columns=["user_id", "session_number", "session_start",
                                       "session_end", "n_events"])


def funnel_reference(t: Tables) -> pd.DataFrame:
    """Part 13: per funnel step, the known users with an event of that step and of every earlier one."""
    e = t["events"][t["events"]["user_id"].notna()]
    reached: set | None = None
    rows = []
    for step, kind in enumerate(FUNNEL_STEPS, start=1):
        users = set(e.loc[e["event_type"] == kind, "user_id"].astype(int))
        reached = users if reached is None else reached & users
        rows.append((step, kind, len(reached)))
    return pd.DataFrame(rows, columns=["step", "event_type", "n_users"])


def features_asof_reference(t: Tables) -> pd.DataFrame:
    """Part 14: each customer's order with the latest feature snapshot taken at or before it."""
    o = t["orders"]
    o = o[o["customer_id"].notna()][["order_id", "customer_id", "ordered_at"]]
    o = o.astype({"customer_id": "int64"}).sort_values("ordered_at")
    f = t["customer_features"].astype({"customer_id": "int64"}).sort_values("computed_at")
    out = pd.merge_asof(o, f, left_on="ordered_at", right_on="computed_at", by="customer_id",
                        direction="backward", allow_exact_matches=True)
    return out[["order_id", "customer_id", "orders_90d", "spend_90d"]]
