"""m05_data_pipelines: the messy customers file, references, seeded cases, comparisons.

The raw file ``data/m05_customers/customers_raw.csv`` is made by
:func:`make_raw_customers`; hidden tests call it again with other seeds and
sizes (other rows, other mess rates) and write the results to a temporary
folder, so an answer tuned to the shipped rows fails.

Every reference works on pandas >= 2.1 and 3.x: text columns are pandas'
``"string"`` dtype (missing = ``pd.NA``), dates are ``datetime64[ns]``.
"""

from __future__ import annotations

import atexit
import csv
import functools
import io
import os
import shutil
import tempfile
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import datasets
from ..checks import Case, CheckFailed, array_close, frame_equal, show

# references that only read the files their path arguments name, and depend on those
# files' bytes, not their names: a grading run computes each once per file content
# (see grading/memo.py), not once per student's fresh temporary copy
MEMOISE_READS = ("load_reference", "clean_frame_reference", "read_clean_reference")
# the seeded case generators that write no file, made once per grading run, not once per
# student (17% of a grading worker's CPU on m05); the shipped file some read is the
# same for the whole run
MEMOISE = ("frame_cases", "deduplicate_cases", "money_cases", "date_cases", "clean_split_case",
           "impute_cases", "one_hot_cases", "augment_cases", "standardize_cases", "leak_cases",
           "pca_cases", "preprocessor_cases")
SHIPPED_NAME = "m05_customers/customers_raw.csv"
SHIPPED_SEED = 2026
SHIPPED_ROWS = 3000

NA_TOKENS = ["", "NA", "n/a", "-"]

RAW_DTYPES = {
    "customer_id": "string",
    "name": "string",
    "email": "string",
    "city": "string",
    "plan": "string",
    "signup_date": "string",
    "monthly_spend": "string",
    "age": "Int64",
    "n_orders": "Int64",
    "notes": "string",
    "source": "string",
    "account_status": "string",
    "churned": "int64",
}
RAW_COLUMNS = list(RAW_DTYPES)

CLEAN_DTYPES = {
    "customer_id": "string",
    "city": "string",
    "plan": "string",
    "signup_date": "datetime64[ns]",
    "monthly_spend": "float64",
    "age": "Int64",
    "n_orders": "Int64",
    "churned": "int64",
}
CLEAN_COLUMNS = list(CLEAN_DTYPES)

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%b %d, %Y"]
CSV_OPTIONS = {"index": False, "float_format": "%.2f", "date_format": "%Y-%m-%d",
               "na_rep": "", "lineterminator": "\n"}

# --------------------------------------------------------------------------- the generator

_CITIES = ["Paris", "Lyon", "Marseille", "Lille", "Nantes", "Saint-Etienne"]
_PLANS = ["basic", "premium", "pro"]
_FIRST = ["Ana", "Bruno", "Chloe", "David", "Emma", "Farid", "Giulia", "Hugo", "Ines", "Jules",
          "Karim", "Lea", "Marc", "Nora", "Omar", "Paula", "Quentin", "Rosa", "Samir", "Theo"]
_LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
         "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "Nguyen"]
_NOTES = ["prefers email, not phone", "called twice,\nwants a discount", "VIP", "moved; new address",
          "asked about \"pro\" plan", "complained about billing,\nrefund issued", "student"]
_IMPOSSIBLE_DATES = ["2023-02-30", "31/04/2022", "2022-13-05", "2021-00-10", "Feb 30, 2023"]
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _respell(rng: np.random.Generator, text: str) -> str:
    """The same category as an export would spell it: case and stray whitespace vary."""
    kind = int(rng.integers(5))
    if kind == 0:
        return text.lower()
    if kind == 1:
        return text.upper()
    if kind == 2:
        return f" {text}"
    if kind == 3:
        return f"{text}  "
    return text.title()


def _money_text(rng: np.random.Generator, value: float) -> str:
    body = f"{abs(value):,.2f}" if rng.random() < 0.6 else f"{abs(value):.2f}"
    sign = "-" if value < 0 else ""
    prefix = ["", "$", "€"][int(rng.integers(3))]
    return f"{sign}{prefix}{body}"


def _date_text(rng: np.random.Generator, day: pd.Timestamp, bad_rate: float) -> str:
    if rng.random() < bad_rate:
        return _IMPOSSIBLE_DATES[int(rng.integers(len(_IMPOSSIBLE_DATES)))]
    kind = rng.random()
    if kind < 0.6:
        return day.strftime("%Y-%m-%d")
    if kind < 0.85:
        return day.strftime("%d/%m/%Y")
    return f"{_MONTHS[day.month - 1]} {day.day:02d}, {day.year}"


@functools.lru_cache(maxsize=64)  # text: immutable, safe to share
def make_raw_customers(seed: int, n_rows: int) -> str:
    """The text of a messy customers export: a BOM, then a header and ``n_rows`` rows.

    Seeded: the same ``(seed, n_rows)`` gives the same text, character for
    character. The mess rates themselves are drawn from the seed, so every
    seed gives other rows *and* other mess. Mess: BOM; quoted fields with
    commas, quotes and newlines; ids with leading zeros; four NA spellings;
    exact and near duplicates (case/whitespace); category spellings; money as
    text with separators, currency signs and refunds; mixed date formats and
    impossible dates; spend outliers; a constant column; a leaky column.
    """
    if n_rows < 20:
        raise ValueError("n_rows must be at least 20")
    rng = np.random.default_rng(seed)
    na_rate = rng.uniform(0.03, 0.08)
    bad_date_rate = rng.uniform(0.01, 0.04)
    dup_rate = rng.uniform(0.02, 0.05)
    near_rate = rng.uniform(0.02, 0.05)
    n_dups = max(1, int(n_rows * dup_rate))
    n_near = max(1, int(n_rows * near_rate))
    n_base = n_rows - n_dups - n_near

    ids = rng.choice(np.arange(1, 300_000), size=n_base, replace=False)
    start = pd.Timestamp("2019-01-01")
    rows = []
    for k in range(n_base):
        first = _FIRST[int(rng.integers(len(_FIRST)))]
        last = _LAST[int(rng.integers(len(_LAST)))]
        plan = _PLANS[int(rng.choice(3, p=[0.5, 0.3, 0.2]))]
        city = _CITIES[int(rng.integers(len(_CITIES)))]
        age = int(np.clip(rng.normal(40, 12), 18, 85))
        spend = round(float(rng.lognormal(3.8 + 0.5 * _PLANS.index(plan), 0.5)), 2)
        if rng.random() < 0.01:
            spend = round(spend * 100, 2)  # a few enterprise accounts: real, not typos
        if rng.random() < 0.02:
            spend = -round(float(rng.uniform(5, 80)), 2)  # a refund month
        n_orders = int(rng.poisson(3 + spend / 40 if spend > 0 else 1))
        day = start + pd.Timedelta(days=int(rng.integers(0, 6 * 365)))
        logit = -0.4 + 0.9 * (plan == "basic") - 0.03 * (age - 40) - 0.15 * min(n_orders, 15) \
            + 0.4 * (day.year >= 2023)
        churned = int(rng.random() < 1 / (1 + np.exp(-logit)))
        note = _NOTES[int(rng.integers(len(_NOTES)))] if rng.random() < 0.3 else ""

        def maybe_na(text: str, rate: float = na_rate) -> str:
            return NA_TOKENS[int(rng.integers(len(NA_TOKENS)))] if rng.random() < rate else text

        rows.append([
            f"{ids[k]:06d}",
            f"{last}, {first}",
            f"{first.lower()}.{last.lower()}{int(rng.integers(100))}@example.com",
            maybe_na(_respell(rng, city) if rng.random() < 0.35 else city),
            maybe_na(_respell(rng, plan) if rng.random() < 0.35 else plan),
            maybe_na(_date_text(rng, day, bad_date_rate)),
            maybe_na(_money_text(rng, spend)),
            maybe_na(str(age)),
            maybe_na(str(n_orders), na_rate / 2),
            note,
            "crm_export_v2",
            "closed" if churned else "active",
            str(churned),
        ])

    near = []
    for k in rng.choice(n_base, size=n_near, replace=False):
        copy_row = list(rows[int(k)])
        copy_row[1] = copy_row[1].upper() if rng.random() < 0.5 else f" {copy_row[1]} "
        copy_row[2] = copy_row[2].upper() if rng.random() < 0.5 else copy_row[2] + " "
        if copy_row[3] not in NA_TOKENS:
            copy_row[3] = _respell(rng, copy_row[3].strip())
        near.append(copy_row)
    exact = [list(rows[int(k)]) for k in rng.choice(n_base, size=n_dups, replace=False)]
    extra = near + exact
    # each re-export lands somewhere after its original, as appended batches do
    for row in extra:
        original = next(i for i, r in enumerate(rows) if r[0] == row[0])
        rows.insert(int(rng.integers(original + 1, len(rows) + 1)), row)

    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(RAW_COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def write_raw_customers(path: str | Path, seed: int = SHIPPED_SEED, n_rows: int = SHIPPED_ROWS) -> Path:
    """Write :func:`make_raw_customers` to ``path`` (UTF-8, ``\\n`` line ends, BOM kept)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(make_raw_customers(seed, n_rows).encode("utf-8"))
    return path


def shipped_path() -> Path:
    return datasets.path(SHIPPED_NAME)


def _variation_seeds(seed: int, count: int) -> list[tuple[int, int]]:
    rng = np.random.default_rng(seed)
    return [(int(rng.integers(1, 10**6)), int(rng.integers(150, 400))) for _ in range(count)]


def variation_texts(seed: int, count: int = 3) -> list[tuple[str, str]]:
    """(label, raw text) of seeded variations: other rows, other sizes, other mess rates."""
    return [(f"variation seed={s} n_rows={n}", make_raw_customers(s, n))
            for s, n in _variation_seeds(seed, count)]


def _temp_folder(tag: str) -> Path:
    """A fresh folder for a check's files, removed when this Python exits: a learner who
    runs the checks all evening (or a test suite) leaves nothing behind in /tmp."""
    folder = tempfile.mkdtemp(prefix=f"m05_{tag}_")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return Path(folder)


# --------------------------------------------------------------------------- comparisons


def _require_frame(actual, part: str, w: str) -> None:
    if not isinstance(actual, pd.DataFrame):
        raise CheckFailed(f"{w}: {part} returns a pandas DataFrame, got {type(actual).__name__} "
                          f"{show(actual, 60)}")


def _normalise_dtypes(actual: pd.DataFrame, expected: pd.DataFrame, w: str) -> pd.DataFrame:
    """Accept the equivalent spellings the contracts allow, nothing else.

    A text column may be any pandas string dtype (``"string"`` or pandas 3's
    default ``str``), a date column any ``datetime64`` resolution.
    """
    a = actual.copy()
    for col in expected.columns:
        if col not in a.columns:
            continue
        e_dtype, a_dtype = expected[col].dtype, a[col].dtype
        if isinstance(e_dtype, pd.StringDtype) and isinstance(a_dtype, pd.StringDtype):
            a[col] = a[col].astype(e_dtype)
        elif isinstance(e_dtype, pd.StringDtype) and pd.api.types.is_object_dtype(a_dtype):
            raise CheckFailed(f"{w}: column {col!r} has dtype object; text columns must be pandas' "
                              f"string dtype (read or convert with dtype='string')")
        elif (pd.api.types.is_datetime64_dtype(e_dtype)
              and pd.api.types.is_datetime64_dtype(a_dtype)):
            a[col] = a[col].astype(e_dtype)
    return a


def frames_match(actual, expected, *, what: str | None = None, part: str = "this part",
                 check_row_order: bool = True, rtol: float = 1e-9, atol: float = 1e-9) -> None:
    """DataFrames equal under the stated rules.

    Rules: same columns in the same order; same dtypes (any pandas string
    dtype for text, any datetime64 resolution for dates); missing values in
    the same cells; floats within ``atol + rtol * |expected|``; the index is
    ignored; row order counts unless ``check_row_order=False``.
    """
    w = what or part
    _require_frame(actual, part, w)
    a = _normalise_dtypes(actual, expected, w)
    frame_equal(a, expected, what=w, check_row_order=check_row_order, rtol=rtol, atol=atol)


def series_match(actual, expected, *, what: str | None = None, part: str = "this part",
                 rtol: float = 1e-9, atol: float = 1e-9) -> None:
    """A Series equal to the expected one: dtype, missing values, values and index."""
    w = what or part
    if not isinstance(actual, pd.Series):
        raise CheckFailed(f"{w}: {part} returns a pandas Series, got {type(actual).__name__} "
                          f"{show(actual, 60)}")
    if len(actual) != len(expected):
        raise CheckFailed(f"{w}: expected {len(expected)} values, got {len(actual)}")
    if not actual.index.equals(expected.index):
        raise CheckFailed(f"{w}: the result must keep the input's index")
    name = expected.name if expected.name is not None else "value"
    frames_match(actual.to_frame(name), expected.to_frame(name), what=w, part=part,
                 rtol=rtol, atol=atol)


def pair_of_frames_match(actual, expected, *, what: str | None = None, part: str = "this part",
                         rtol: float = 1e-9, atol: float = 1e-9) -> None:
    """A ``(train, test)`` tuple of DataFrames, each equal to the expected one."""
    w = what or part
    if not isinstance(actual, tuple) or len(actual) != 2:
        raise CheckFailed(f"{w}: {part} returns a tuple (train, test), got {type(actual).__name__}")
    for name, a, e in zip(("train", "test"), actual, expected):
        frames_match(a, e, what=f"{w} [{name}]", part=part, rtol=rtol, atol=atol)


def pair_of_arrays_match(actual, expected, *, what: str | None = None, part: str = "this part",
                         rtol: float = 1e-7, atol: float = 1e-9) -> None:
    """A ``(train, test)`` tuple of float arrays, each close to the expected one."""
    w = what or part
    if not isinstance(actual, tuple) or len(actual) != 2:
        raise CheckFailed(f"{w}: {part} returns a tuple (Z_train, Z_test), got {type(actual).__name__}")
    for name, a, e in zip(("Z_train", "Z_test"), actual, expected):
        if not isinstance(a, np.ndarray):
            raise CheckFailed(f"{w} [{name}]: expected a NumPy array, got {type(a).__name__}")
        array_close(a, e, what=f"{w} [{name}]", rtol=rtol, atol=atol)


def list_equal(actual, expected, *, what: str | None = None, part: str = "this part") -> None:
    w = what or part
    if not isinstance(actual, list):
        raise CheckFailed(f"{w}: {part} returns a list of column names, got {type(actual).__name__}")
    if actual != expected:
        raise CheckFailed(f"{w}: expected {expected!r}, got {actual!r}")


# --------------------------------------------------------------------------- part 1: load


def load_reference(path) -> pd.DataFrame:
    """Read the raw export: explicit dtypes, the four NA spellings and nothing else."""
    if isinstance(path, (str, os.PathLike)):  # a file: read once per version of it
        return datasets.read_cached(path, _read_raw)
    return _read_raw(path)


def warm_kernel() -> None:
    """Run once by ``mlinterview grade``'s kernel factory: every kernel then starts with
    the shipped raw file read and cleaned (lesson cells load and clean it). Public data only."""
    clean_frame_reference(datasets.path(SHIPPED_NAME))


def _read_raw(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=RAW_DTYPES, na_values=NA_TOKENS, keep_default_na=False,
                       encoding="utf-8-sig")


def load_cases(seed: int) -> list[Case]:
    """The shipped file and seeded variations written to a temporary folder."""
    folder = _temp_folder("load")
    cases = [Case.of(shipped_path(), label="the shipped file")]
    for k, (label, text) in enumerate(variation_texts(seed)):
        path = folder / f"customers_{k}.csv"
        path.write_bytes(text.encode("utf-8"))
        cases.append(Case.of(path, label=label))
    return cases


def frame_from_text(text: str) -> pd.DataFrame:
    return load_reference(io.StringIO(text.removeprefix("\ufeff")))


# --------------------------------------------------------------------------- part 2: dedupe


def normalise_text(values: pd.Series) -> pd.Series:
    """Trim, collapse inner whitespace, casefold; missing stays missing."""
    return values.str.strip().str.replace(r"\s+", " ", regex=True).str.casefold()


def deduplicate_reference(df: pd.DataFrame) -> pd.DataFrame:
    """Drop rows equal to an earlier row once text is normalised; keep first, as written."""
    key = df.copy()
    for col in key.columns:
        if isinstance(key[col].dtype, pd.StringDtype):
            key[col] = normalise_text(key[col])
    return df[~key.duplicated(keep="first").to_numpy()].reset_index(drop=True)


def frame_cases(seed: int, shipped: bool = True) -> list[Case]:
    """Loaded raw frames: the shipped file (optionally) and seeded variations."""
    cases = [Case.of(load_reference(shipped_path()), label="the shipped file")] if shipped else []
    cases += [Case.of(frame_from_text(text), label=label) for label, text in variation_texts(seed)]
    return cases


def deduplicate_cases(seed: int) -> list[Case]:
    small = pd.DataFrame({"id": ["01", "01", "02", "02", "03"],
                          "city": ["Paris", " paris ", pd.NA, pd.NA, "Lyon"],
                          "n": [1, 1, 2, 2, 3]}).astype({"id": "string", "city": "string",
                                                          "n": "Int64"})
    return [
        Case.of(small, label="near duplicates and missing values equal to missing values"),
        Case.of(small.iloc[:0], label="empty frame"),
        *frame_cases(seed),
    ]


# --------------------------------------------------------------------------- part 3: money


def parse_money_reference(values: pd.Series) -> pd.Series:
    """Text money to float64: drop $, €, £, thousands commas and spaces; NaN if unreadable."""
    cleaned = values.astype("string").str.replace(r"[$€£,\s]", "", regex=True)
    return pd.to_numeric(cleaned, errors="coerce").astype("float64")


def money_cases(seed: int) -> list[Case]:
    hand = pd.Series(["$1,234.50", "-$12.00", "€ 3,000", "45", pd.NA, "free", "1,000,000.01"],
                     dtype="string", name="monthly_spend", index=[10, 11, 12, 13, 14, 15, 16])
    cases = [Case.of(hand, label="signs, separators, refunds, missing and unreadable")]
    cases += [Case.of(c.args[0]["monthly_spend"], label=c.label) for c in frame_cases(seed)]
    return cases


# --------------------------------------------------------------------------- part 4: dates


def parse_dates_reference(values: pd.Series) -> pd.Series:
    """Each accepted format in turn; anything else (or impossible) becomes NaT."""
    text = values.astype("string").str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]", name=values.name)
    for fmt in DATE_FORMATS:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce").astype("datetime64[ns]")
        out = out.fillna(parsed)
    return out


def date_cases(seed: int) -> list[Case]:
    hand = pd.Series(["2023-04-05", "05/04/2023", "Apr 05, 2023", "2023-02-30", "31/04/2022",
                      pd.NA, "2023/04/05", "yesterday"], dtype="string", name="signup_date")
    cases = [Case.of(hand, label="three formats, impossible dates, missing, unknown formats")]
    cases += [Case.of(c.args[0]["signup_date"], label=c.label) for c in frame_cases(seed)]
    return cases


# --------------------------------------------------------------------------- part 5: impute


def most_frequent(values: pd.Series):
    """The most frequent non-missing value; ties go to the smallest (as SimpleImputer)."""
    counts = values.dropna().value_counts()
    if counts.empty:
        return pd.NA
    return sorted(counts[counts == counts.max()].index)[0]


def impute_reference(train: pd.DataFrame, test: pd.DataFrame, numeric: list[str],
                     categorical: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill numeric with the train median (as float64), categorical with the train mode."""
    fills = {col: float(train[col].astype("float64").median()) for col in numeric}
    fills.update({col: most_frequent(train[col]) for col in categorical})
    out = []
    for frame in (train, test):
        frame = frame.copy()
        for col in numeric:
            frame[col] = frame[col].astype("float64").fillna(fills[col])
        for col in categorical:
            frame[col] = frame[col].fillna(fills[col])
        out.append(frame)
    return out[0], out[1]


def _split_frame(rng: np.random.Generator, n_train: int, n_test: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A train and a test frame whose distributions differ (test is older and richer)."""
    frames = []
    for n, shift in ((n_train, 0.0), (n_test, 1.0)):
        age = rng.normal(35 + 15 * shift, 8, n).round()
        spend = rng.lognormal(3.5 + shift, 0.6, n).round(2)
        city = rng.choice(["lyon", "paris", "lille"], n, p=[0.5 - 0.3 * shift, 0.3, 0.2 + 0.3 * shift])
        plan = rng.choice(["basic", "pro", "premium"], n)
        frame = pd.DataFrame({
            "customer_id": [f"{i:06d}" for i in rng.choice(10**6, n, replace=False)],
            "age": age, "monthly_spend": spend, "city": city, "plan": plan,
        }).astype({"customer_id": "string", "city": "string", "plan": "string"})
        for col in ("age", "monthly_spend", "city", "plan"):
            frame.loc[rng.random(n) < 0.15, col] = np.nan if col in ("age", "monthly_spend") else pd.NA
        frames.append(frame)
    return frames[0], frames[1]


def clean_split_case(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cleaned shipped file split 80/20 by signup order (a time-based split)."""
    clean = clean_frame_reference(shipped_path())
    order = clean["signup_date"].sort_values(kind="stable", na_position="first").index
    cut = int(len(order) * 0.8)
    return clean.loc[order[:cut]].reset_index(drop=True), clean.loc[order[cut:]].reset_index(drop=True)


def impute_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    train, test = clean_split_case(seed)
    cases.append(Case.of(train, test, ["age", "monthly_spend", "n_orders"], ["city", "plan"],
                         label="the cleaned shipped file, split by signup date (Int64 columns)"))
    for k in range(3):
        train, test = _split_frame(rng, int(rng.integers(40, 200)), int(rng.integers(20, 80)))
        cases.append(Case.of(train, test, ["age", "monthly_spend"], ["city", "plan"],
                             label=f"random split {k + 1}: test comes from another distribution"))
    tie = pd.DataFrame({"x": [1.0, np.nan, 3.0, 10.0], "c": ["b", "a", pd.NA, "c"]}).astype({"c": "string"})
    cases.append(Case.of(tie, tie.iloc[[1, 2]].copy(), ["x"], ["c"],
                         label="mode tie: the smallest value wins"))
    return cases


# --------------------------------------------------------------------------- part 6: one-hot


def one_hot_reference(train: pd.DataFrame, test: pd.DataFrame,
                      columns: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Categories from train (sorted); ``col_value`` float64 columns appended; unseen -> zeros."""
    categories = {col: sorted(train[col].dropna().unique()) for col in columns}
    out = []
    for frame in (train, test):
        rest = frame.drop(columns=columns)
        parts = [rest]
        for col in columns:
            values = frame[col].to_numpy(dtype=object)
            parts.append(pd.DataFrame({f"{col}_{cat}": (values == cat).astype("float64")
                                       for cat in categories[col]}, index=frame.index))
        out.append(pd.concat(parts, axis=1))
    return out[0], out[1]


def one_hot_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for k in range(3):
        train, test = _split_frame(rng, int(rng.integers(30, 120)), int(rng.integers(10, 40)))
        train, test = impute_reference(train, test, ["age", "monthly_spend"], ["city", "plan"])
        if k == 0:  # a test city never seen in train
            test.loc[test.index[:3], "city"] = "nantes"
        if k == 1:  # a train category missing from test
            test["plan"] = "basic"
        cases.append(Case.of(train, test, ["city", "plan"], label=f"random split {k + 1}"))
    train, test = clean_split_case(seed)
    train, test = impute_reference(train, test, ["age", "monthly_spend", "n_orders"], ["city", "plan"])
    cases.append(Case.of(train, test, ["plan", "city"], label="the cleaned shipped file"))
    return cases


# --------------------------------------------------------------------------- part 7: features


def signed_log(x):
    """sign(x) * log1p(|x|): defined for zeros and negatives, odd, monotone."""
    return np.sign(x) * np.log1p(np.abs(x))


def augment_reference(df: pd.DataFrame, numeric: list[str], date_col: str) -> pd.DataFrame:
    """Append degree-2 terms (PolynomialFeatures order), signed logs, then date parts."""
    out = df.copy()
    values = {col: df[col].astype("float64") for col in numeric}
    for i, a in enumerate(numeric):
        for b in numeric[i:]:
            name = f"{a}^2" if a == b else f"{a} {b}"
            out[name] = values[a] * values[b]
    for col in numeric:
        out[f"log_{col}"] = signed_log(values[col])
    dates = pd.to_datetime(df[date_col])
    out[f"{date_col}_year"] = dates.dt.year.astype("float64")
    out[f"{date_col}_month"] = dates.dt.month.astype("float64")
    out[f"{date_col}_dayofweek"] = dates.dt.day_of_week.astype("float64")
    return out


def augment_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for k in range(3):
        n = int(rng.integers(10, 60))
        frame = pd.DataFrame({
            "customer_id": pd.array([f"{i:06d}" for i in range(n)], dtype="string"),
            "monthly_spend": rng.normal(20, 60, n).round(2),
            "age": rng.integers(18, 80, n).astype("float64"),
            "n_orders": rng.poisson(2, n).astype("float64"),
            "signup_date": pd.to_datetime("2020-01-01")
            + pd.to_timedelta(rng.integers(0, 1500, n), unit="D"),
        })
        frame["signup_date"] = frame["signup_date"].astype("datetime64[ns]")
        frame.loc[rng.random(n) < 0.2, "signup_date"] = pd.NaT
        frame.loc[frame.index[:2], "monthly_spend"] = [0.0, -1.0]
        numeric = ["monthly_spend", "age", "n_orders"][: 2 + (k % 2)]
        cases.append(Case.of(frame, numeric, "signup_date",
                             label=f"random {k + 1}: zeros, negatives, missing dates"))
    train, _ = clean_split_case(seed)
    train, _ = impute_reference(train, train.iloc[:0], ["age", "monthly_spend", "n_orders"], [])
    cases.append(Case.of(train, ["age", "monthly_spend", "n_orders"], "signup_date",
                         label="the cleaned shipped file (refunds are negative)"))
    return cases


# --------------------------------------------------------------------------- part 8: scaling


def standardize_reference(X_train, X_test) -> tuple[np.ndarray, np.ndarray]:
    """Train mean and population std (ddof=0); a constant column is divided by 1."""
    X_train, X_test = np.asarray(X_train, dtype=float), np.asarray(X_test, dtype=float)
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return (X_train - mean) / std, (X_test - mean) / std


def standardize_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for k in range(4):
        n_train, n_test, d = int(rng.integers(5, 80)), int(rng.integers(3, 40)), int(rng.integers(1, 6))
        X_train = rng.normal(rng.uniform(-5, 5, d), rng.uniform(0.5, 4, d), (n_train, d))
        X_test = rng.normal(10.0, 3.0, (n_test, d))  # shifted: leakage shows at once
        if k == 1:
            X_train[:, 0] = 7.0
        cases.append(Case.of(X_train, X_test, label=f"random {k + 1} (shifted test"
                             f"{', a constant column' if k == 1 else ''})"))
    return cases


# --------------------------------------------------------------------------- part 9: leaks


def leak_purity(values: pd.Series, label: pd.Series, max_levels: int = 20) -> float:
    """Share of rows whose label equals the majority label of their group.

    Groups are the values themselves (missing is a value) when the column has
    at most ``max_levels`` distinct non-missing values, otherwise "missing or
    not" (a missingness pattern can leak too).
    """
    key = values if values.nunique(dropna=True) <= max_levels else values.isna()
    codes, _ = pd.factorize(key, use_na_sentinel=False)
    table = pd.crosstab(codes, np.asarray(label))
    return float(table.max(axis=1).sum() / len(values))


def find_leaky_columns_reference(df: pd.DataFrame, label: str, threshold: float = 0.95) -> list[str]:
    return [col for col in df.columns
            if col != label and leak_purity(df[col], df[label]) >= threshold]


def leak_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = [Case.of(deduplicate_reference(c.args[0]), "churned", label=c.label)
             for c in frame_cases(seed)[:2]]
    for k in range(3):
        n = int(rng.integers(80, 300))
        y = (rng.random(n) < 0.3).astype("int64")
        flip = rng.permutation(n) < n // 10  # exactly 10% flipped: a 90% near-leak
        frame = pd.DataFrame({
            "id": pd.array([f"{i:05d}" for i in range(n)], dtype="string"),
            "spend": rng.normal(50, 10, n),
            "days_since_cancel": np.where(y == 1, rng.integers(1, 90, n), np.nan),
            "status": pd.array(np.where(y == 1, None, rng.choice(["a", "b"], n)), dtype="string"),
            "noisy": pd.array(np.where(y ^ flip, "x", "y"), dtype="string"),
            "constant": "v1",
            "target": y,
        })
        cases.append(Case.of(frame, "target", label=f"random {k + 1}: a missingness leak, "
                             "a category leak with missing values, a 90% near-leak"))
    return cases


# --------------------------------------------------------------------------- part 10: PCA


def pca_reference(X, n_components: int):
    """(scores, components, explained_variance_ratio) from scikit-learn's full SVD PCA."""
    from sklearn.decomposition import PCA

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = PCA(n_components=n_components, svd_solver="full").fit(np.asarray(X, dtype=float))
        return model.transform(np.asarray(X, dtype=float)), model.components_, \
            model.explained_variance_ratio_


def pca_matches(actual, expected, *, what: str | None = None, rtol: float = 1e-6,
                atol: float = 1e-8) -> None:
    """Components equal up to the sign of each; scores flip with them; ratios equal."""
    w = what or "pca"
    if not isinstance(actual, tuple) or len(actual) != 3:
        raise CheckFailed(f"{w}: Part 10 returns a tuple (scores, components, "
                          f"explained_variance_ratio), got {type(actual).__name__}")
    scores, components, ratio = (np.asarray(x, dtype=float) for x in actual)
    e_scores, e_components, e_ratio = expected
    array_close(ratio, e_ratio, what=f"{w} explained_variance_ratio", rtol=rtol, atol=atol)
    if components.shape != e_components.shape:
        raise CheckFailed(f"{w}: components have shape {components.shape}, "
                          f"expected {e_components.shape} (one row per component)")
    signs = np.where(np.sum(components * e_components, axis=1) < 0, -1.0, 1.0)
    array_close(components * signs[:, None], e_components,
                what=f"{w} components (signs aligned)", rtol=rtol, atol=atol)
    array_close(scores * signs[None, :], e_scores, what=f"{w} scores (signs aligned)",
                rtol=rtol, atol=1e-7)


def pca_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for k in range(4):
        n, d = int(rng.integers(20, 120)), int(rng.integers(2, 7))
        scales = np.sort(rng.uniform(0.5, 5, d))[::-1] * np.linspace(1.6, 1.0, d)
        rotation, _ = np.linalg.qr(rng.normal(size=(d, d)))
        X = (rng.normal(size=(n, d)) * scales) @ rotation + rng.uniform(-20, 20, d)
        cases.append(Case.of(X, int(rng.integers(1, d + 1)), label=f"random {k + 1} (n={n}, d={d})"))
    return cases


# --------------------------------------------------------------------------- part 11: clean


def clean_frame_reference(raw_path) -> pd.DataFrame:
    """Load, deduplicate, repair types, keep the modelling columns (no imputation). A file
    is cleaned once per version of it: the lesson, the split and the tests clean the
    shipped one again and again (0.1 s each time)."""
    if isinstance(raw_path, (str, os.PathLike)):
        return datasets.read_cached(raw_path, _clean_frame)
    return _clean_frame(raw_path)


def _clean_frame(raw_path) -> pd.DataFrame:
    df = deduplicate_reference(load_reference(raw_path))
    out = pd.DataFrame({
        "customer_id": df["customer_id"],
        "city": normalise_text(df["city"]),
        "plan": normalise_text(df["plan"]),
        "signup_date": parse_dates_reference(df["signup_date"]),
        "monthly_spend": parse_money_reference(df["monthly_spend"]),
        "age": df["age"],
        "n_orders": df["n_orders"],
        "churned": df["churned"],
    })
    return out.astype(CLEAN_DTYPES)


def clean_csv_text(clean: pd.DataFrame) -> str:
    return clean.to_csv(**CSV_OPTIONS)


def read_clean_reference(path) -> pd.DataFrame:
    """Read a cleaned file back with the stated dtypes (the round trip)."""
    dtypes = {c: t for c, t in CLEAN_DTYPES.items() if c != "signup_date"}
    df = pd.read_csv(path, dtype=dtypes, parse_dates=["signup_date"], date_format="%Y-%m-%d",
                     keep_default_na=False, na_values=[""])
    if "signup_date" in df.columns:
        df["signup_date"] = df["signup_date"].astype("datetime64[ns]")
    return df


@dataclass(frozen=True)
class CleanExpectation:
    """What the learner's ``clean_customers(raw, out)`` must return and write."""

    frame: pd.DataFrame
    text: str
    out_path: Path


def clean_reference(raw_path, out_path) -> CleanExpectation:
    """The expected frame and file text; writes nothing (the learner's file is checked)."""
    raw_path, out_path = Path(raw_path), Path(out_path)
    if out_path.resolve().parent == raw_path.resolve().parent:
        raise ValueError("out_path must not be in the raw file's folder")
    frame = clean_frame_reference(raw_path)
    return CleanExpectation(frame, clean_csv_text(frame), out_path)


def clean_matches(actual, expected: CleanExpectation, *, what: str | None = None) -> None:
    """The returned frame, the round trip of the written file, and its exact text."""
    w = what or "clean_customers"
    part = "Part 11"
    frames_match(actual, expected.frame, what=f"{w} returned frame", part=part)
    if not expected.out_path.is_file():
        raise CheckFailed(f"{w}: no file was written at {expected.out_path}")
    text = expected.out_path.read_text(encoding="utf-8")
    header = text.split("\n", 1)[0]
    if header != ",".join(CLEAN_COLUMNS):
        raise CheckFailed(f"{w}: the file's header is {header!r}, expected "
                          f"{','.join(CLEAN_COLUMNS)!r} (index written? columns reordered?)")
    frames_match(read_clean_reference(expected.out_path), expected.frame,
                 what=f"{w} file read back with the stated dtypes", part=part, rtol=0, atol=0)
    if text != expected.text:
        got, want = text.splitlines(), expected.text.splitlines()
        i = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        raise CheckFailed(f"{w}: the file's text differs from line {i + 1}: expected "
                          f"{want[i] if i < len(want) else '<end>'!r}, got "
                          f"{got[i] if i < len(got) else '<end>'!r} (see the writing options)")


def clean_cases(seed: int) -> list[Case]:
    """The shipped file and variations; each output in its own temporary folder."""
    cases = [Case.of(shipped_path(), _temp_folder("out") / "customers_clean.csv",
                     label="the shipped file")]
    for label, text in variation_texts(seed, count=2):
        raw = _temp_folder("raw") / "customers_raw.csv"
        raw.write_bytes(text.encode("utf-8"))
        cases.append(Case.of(raw, _temp_folder("out") / "nested" / "clean.csv", label=label))
    raw = _temp_folder("raw") / "customers_raw.csv"
    raw.write_bytes(variation_texts(seed + 1, count=1)[0][1].encode("utf-8"))
    cases.append(Case.of(raw, raw.parent / "clean.csv",
                         label="output next to the raw file").raising(ValueError))
    return cases


# --------------------------------------------------------------------------- part 12: sklearn


def preprocess_by_hand(train: pd.DataFrame, test: pd.DataFrame, numeric: list[str],
                       categorical: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The from-scratch steps chained: impute, standardise numeric, one-hot categorical."""
    train, test = impute_reference(train, test, numeric, categorical)
    Z_train, Z_test = standardize_reference(train[numeric].to_numpy(float),
                                            test[numeric].to_numpy(float))
    H_train, H_test = one_hot_reference(train[categorical], test[categorical], categorical)
    return (np.hstack([Z_train, H_train.to_numpy(float)]),
            np.hstack([Z_test, H_test.to_numpy(float)]))


@dataclass(frozen=True)
class PreprocessorExpectation:
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]


def preprocessor_reference(numeric: list[str], categorical: list[str]) -> PreprocessorExpectation:
    return PreprocessorExpectation(tuple(numeric), tuple(categorical))


def fit_transform_outputs(estimator, train: pd.DataFrame, test: pd.DataFrame):
    """A clone of ``estimator`` fitted on ``train``: its transform of train and of test, dense.

    Under ``mlinterview grade`` this runs in the grader and ``estimator`` is a proxy: the
    clone (the estimator's own ``__sklearn_clone__``), ``fit`` and ``transform`` run in the
    learner's process, and only their arrays come back, so a learner's process that rewrites
    this helper or ``clone`` changes nothing here.
    """
    from sklearn.base import clone

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = clone(estimator).fit(train)
        outputs = model.transform(train), model.transform(test)
    return tuple(np.asarray(o.toarray() if hasattr(o, "toarray") else o) for o in outputs)


def preprocessor_matches(actual, expected: PreprocessorExpectation, *, what: str | None = None) -> None:
    """Fitted on train, the learner's estimator transforms train and test as the hand chain."""
    w = what or "make_preprocessor"
    if not (hasattr(actual, "fit") and hasattr(actual, "transform")
            and hasattr(actual, "__sklearn_clone__")):
        raise CheckFailed(f"{w}: Part 12 returns an unfitted scikit-learn estimator with fit and "
                          f"transform (a ColumnTransformer or Pipeline), got {type(actual).__name__}")
    numeric, categorical = list(expected.numeric), list(expected.categorical)
    rng = np.random.default_rng(zlib.crc32(",".join(numeric + categorical).encode()))
    for k in range(2):
        train, test = _split_frame(rng, int(rng.integers(40, 120)), int(rng.integers(10, 40)))
        test.loc[test.index[:2], "city"] = "nantes"  # unseen in train
        train = train.astype({c: object for c in categorical})
        test = test.astype({c: object for c in categorical})
        # scikit-learn needs np.nan, not pd.NA, in object columns
        train[categorical] = train[categorical].where(train[categorical].notna(), np.nan)
        test[categorical] = test[categorical].where(test[categorical].notna(), np.nan)
        want_train, want_test = preprocess_by_hand(train, test, numeric, categorical)
        try:
            got_train, got_test = fit_transform_outputs(actual, train, test)
        except Exception as exc:  # noqa: BLE001 - the learner's estimator failing is the finding
            raise CheckFailed(f"{w}: fitting on train and transforming test raised "
                              f"{type(exc).__name__}: {exc}") from None
        for name, got, want in (("train", got_train, want_train), ("test", got_test, want_test)):
            array_close(np.asarray(got, dtype=float), want, what=f"{w} transform({name}) split {k + 1}",
                        rtol=1e-7, atol=1e-9)


def preprocessor_cases(seed: int) -> list[Case]:
    return [
        Case.of(["age", "monthly_spend"], ["city", "plan"], label="two numeric, two categorical"),
        Case.of(["monthly_spend"], ["plan", "city"], label="one numeric, categorical reordered"),
    ]


# --------------------------------------------------------------------------- catalogue for tests


def part_compare(kind: str, part: str, **kw):
    """A comparison with the part's name in its messages (for the declarations)."""
    funcs = {"frame": frames_match, "series": series_match, "frames": pair_of_frames_match,
             "arrays": pair_of_arrays_match, "list": list_equal}
    return functools.partial(funcs[kind], part=part, **kw)


MESS_KINDS = [
    "bom", "quoted_comma", "quoted_newline", "leading_zero_ids", "na_tokens", "exact_duplicates",
    "near_duplicates", "category_spellings", "thousands_separators", "currency_signs",
    "mixed_date_formats", "impossible_dates", "outliers", "constant_column", "leaky_column",
]


def mess_found(text: str) -> dict[str, bool]:
    """Which kinds of mess a raw text holds (used by the unit tests of the generator)."""
    df = frame_from_text(text)
    raw = pd.read_csv(io.StringIO(text.removeprefix("\ufeff")), dtype="string",
                      keep_default_na=False)
    spend = parse_money_reference(df["monthly_spend"])
    dates = df["signup_date"].dropna()
    lowered = {c: normalise_text(df[c].dropna()) for c in ("city", "plan")}
    median = spend.median()
    return {
        "bom": text.startswith("\ufeff"),
        "quoted_comma": bool(df["name"].str.contains(",").any()),
        "quoted_newline": bool(df["notes"].str.contains("\n", regex=False).any()),
        "leading_zero_ids": bool(df["customer_id"].str.startswith("0").any()),
        "na_tokens": all((raw == tok).to_numpy().any() for tok in NA_TOKENS),
        "exact_duplicates": bool(df.duplicated().any()),
        "near_duplicates": len(deduplicate_reference(df)) < len(df.drop_duplicates()),
        "category_spellings": all(df[c].dropna().nunique() > lowered[c].nunique() for c in lowered),
        "thousands_separators": bool(df["monthly_spend"].str.contains(r"\d,\d{3}").any()),
        "currency_signs": bool(df["monthly_spend"].str.contains(r"[$€]").any()),
        "mixed_date_formats": all(dates.str.contains(p).any()
                                  for p in (r"^\d{4}-", r"^\d\d/", r"^[A-Z][a-z]{2} ")),
        "impossible_dates": bool((parse_dates_reference(df["signup_date"]).isna()
                                  & df["signup_date"].notna()).any()),
        "outliers": bool((spend > 20 * median).any()),
        "constant_column": bool(df["source"].nunique(dropna=False) == 1),
        "leaky_column": find_leaky_columns_reference(deduplicate_reference(df), "churned")
        == ["account_status"],
    }
