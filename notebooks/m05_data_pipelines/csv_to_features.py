# %% [markdown]
# # Module 5 — Data pipelines: from a messy CSV to features
#
# > *Interviewer:* "Here is a CSV exported from our CRM. Load it, clean it,
# > save the clean version to a new CSV. Then: how would you augment the
# > features, and reduce their dimension?"
#
# This round looks easy and is where many candidates lose points: not in the
# algorithms but in the details a real export hides. Interviewers watch for
# three habits:
#
# 1. **Look before you parse.** Open the raw bytes; never trust the defaults
#    of `read_csv` (ids lose their leading zeros, `-` is not missing, ...).
# 2. **State a policy for every kind of mess** (what is a duplicate, what
#    happens to a bad date) and say it out loud before coding it.
# 3. **Split first, then fit.** Every statistic (a median, a mean, a list of
#    categories, a PCA basis) is learned on the training rows only, and
#    applied unchanged to the test rows. Anything else leaks the test set.
#
# The file `data/m05_customers/customers_raw.csv` (3,000 rows) is synthetic
# and made by a seeded generator; `data/README.md` lists every kind of mess
# in it. The hidden tests run your functions on that file **and** on other
# seeded exports with other rows and other mess, so code tuned to today's
# rows fails.
#
# **Clarifying questions worth asking**, with this interviewer's answers:
#
# | question | answer |
# |---|---|
# | Which columns are ids? Are they numbers? | `customer_id`: a code, not a number; keep its leading zeros. |
# | How is "missing" spelled? | `""`, `NA`, `n/a` and `-`; nothing else. |
# | Which date format? | Three: `2023-04-05`, `05/04/2023` (day first, a European export) and `Apr 05, 2023`. |
# | What is the label? | `churned` (1 = the customer left). |
# | How will the model be evaluated? | On customers who signed up later: a time-based split. |

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from mlinterview import checks, datasets
from mlinterview.exercises import m05

RAW_PATH = datasets.path("m05_customers/customers_raw.csv")
print(RAW_PATH.read_bytes()[:330])

# %% [markdown]
# The first bytes already show four traps: `\xef\xbb\xbf` is a UTF-8
# **byte-order mark** (Excel writes one; `pd.read_csv` strips it, the `csv`
# module and many other tools do not unless you open the file with
# `encoding="utf-8-sig"`), names hold **commas inside quotes**, a quoted note
# spans **two lines**, and `plan` is spelled `basic  ` with trailing spaces.

# %% [markdown]
# ## Part 1 — Load with explicit dtypes (3 points)
#
# Here is what the defaults do:

# %%
naive = pd.read_csv(RAW_PATH)
print(naive.dtypes.to_dict())
print("ids:", naive["customer_id"].head(9).tolist())
print("spend values that are a bare '-':", int((naive["monthly_spend"] == "-").sum()))

# %% [markdown]
# **Before → after.** The row of customer `046920` as the file has it, and
# as a careful load gives it:
#
# | | `customer_id` | `signup_date` | `monthly_spend` | `age` |
# |---|---|---|---|---|
# | raw text | `046920` | `n/a` | `NA` | `71` |
# | defaults | `46920` (int64: the zero is gone) | NaN | NaN | `71.0` (float: a column with a NaN cannot be int64) |
# | explicit | `"046920"` (string) | `<NA>` | `<NA>` | `71` (Int64) |
#
# And a spend of `-` stays the text `"-"` under the defaults, which later
# breaks the number parsing. The fix is to say everything: `dtype=` for each
# column (text as pandas' `"string"` dtype, whose missing value is `pd.NA`;
# whole numbers that may be missing as the nullable `"Int64"`),
# `na_values=` with the file's NA spellings and `keep_default_na=False` so
# that pandas adds no others of its own (`"None"`, `"null"`, `"nan"`... are
# not missing in this file). The expected dtypes are in `m05.RAW_DTYPES`:

# %%
print(m05.RAW_DTYPES)
print(m05.NA_TOKENS)

# %% [markdown]
# **Contract.** `load_customers(path) -> pd.DataFrame`
#
# - `path`: a `str` or `pathlib.Path` of a file with this export's layout
#   (UTF-8, maybe with a BOM).
# - Returns every row in file order (duplicates included), the 13 columns in
#   file order, with the dtypes of `m05.RAW_DTYPES`. A text column may be
#   pandas' `"string"` dtype or pandas 3's default `str` (both are string
#   dtypes); `object` is not accepted.
# - Missing exactly where the field is one of `m05.NA_TOKENS` (`""`, `"NA"`,
#   `"n/a"`, `"-"`), and nowhere else.
# - The index does not matter.
#
# <details><summary>Hint 1</summary>
#
# `pd.read_csv(path, dtype=..., na_values=..., keep_default_na=False)`.
# </details>
# <details><summary>Hint 2</summary>
#
# `dtype` takes a dict: column name -> dtype name, e.g. `{"age": "Int64"}`.
# </details>

# %% nbgrader={"solution": true, "grade_id": "load_answer"}
def load_customers(path):
    """The raw export with explicit dtypes; missing only for the four NA spellings."""
    ### BEGIN SOLUTION
    return pd.read_csv(path, dtype=m05.RAW_DTYPES, na_values=m05.NA_TOKENS,
                       keep_default_na=False, encoding="utf-8-sig")
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "load_small_file", "points": 1}
"""load_customers on a four-row file: BOM, leading zeros, each NA spelling, 'null' kept as text."""
_tiny_text = m05.make_raw_customers(seed=1, n_rows=40).splitlines(keepends=True)
with tempfile.TemporaryDirectory() as _tiny_dir:  # removed at the end of the block
    _tiny_path = Path(_tiny_dir) / "tiny.csv"
    _tiny_path.write_text("".join(_tiny_text[:1]) + (
        '000042,"Doe, Jane",jane@example.com,Paris,basic,2023-04-05,"$1,200.00",NA,3,null,crm,active,0\n'
        '007000,"Roe, Max",max@example.com,n/a,-,,€5,41,,"two\nlines",crm,closed,1\n'), encoding="utf-8")
    _tiny = load_customers(_tiny_path)
    _tiny_expected = m05.load_reference(_tiny_path)
checks.equal(list(_tiny.columns), m05.RAW_COLUMNS, what="the columns")
checks.equal(_tiny["customer_id"].tolist(), ["000042", "007000"], what="customer_id (leading zeros)")
m05.frames_match(_tiny, _tiny_expected, what="load_customers(tiny.csv)", part="Part 1")
print("the small file loads as the contract says")

# %% nbgrader={"grade": true, "grade_id": "load_matches_reference", "points": 2}
"""load_customers on the shipped file and on seeded variations of it."""
checks.attempted("load_customers")
### BEGIN HIDDEN TESTS
checks.expect("load_customers", cases=m05.load_cases(seed=51), reference=m05.load_reference,
              compare=m05.part_compare("frame", "Part 1 (load_customers)"), budget_seconds=20)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *The file is 50 GB?* (`chunksize=` or
# `usecols=`; or DuckDB / Polars, which read CSV lazily and in parallel.)
# *Why not parse money and dates while loading?* (Load as text first, so that
# a bad value becomes a *counted, stated* decision in the next steps rather
# than a silent NaN or a crash inside `read_csv`.) *How do you know the
# dtypes of an unknown file?* (Read a sample as text, look at the values,
# write the dict; never let a 1,000-row sample's inference decide for the
# whole file.)

# %% [markdown]
# ## Part 2 — Deduplicate (3 points)
#
# Exports repeat rows: the same batch appended twice (**exact duplicates**),
# or the same customer re-typed with other case and spaces (**near
# duplicates**). `drop_duplicates()` only finds the first kind:

# %%
raw = m05.load_reference(RAW_PATH)
repeated = raw[raw["customer_id"].duplicated(keep=False)].sort_values("customer_id", kind="stable")
print("exact duplicates:", int(raw.duplicated().sum()), "| ids seen twice:",
      int(raw["customer_id"].duplicated().sum()))
repeated[["customer_id", "name", "email", "city", "plan", "monthly_spend"]].head(6)

# %% [markdown]
# **Before → after** for one near duplicate (an illustration; the rows above
# are real ones):
#
# | | `customer_id` | `name` | `email` | `city` |
# |---|---|---|---|---|
# | row 40 | `123456` | `Dubois, Lea` | `lea.dubois5@example.com` | `Lyon` |
# | row 977 | `123456` | ` Dubois, Lea ` | `LEA.DUBOIS5@EXAMPLE.COM` | `LYON` |
# | kept | `123456` | `Dubois, Lea` | `lea.dubois5@example.com` | `Lyon` |
#
# The rule: compare rows on a **normalised copy** (trim, collapse runs of
# spaces, casefold), drop every row equal to an earlier one, and **keep the
# first row as it was written** (the normalisation of categories is a later,
# separate step). Two rows that differ in any real value (another spend,
# another date) are different records and both stay: deciding which one is
# right needs a business rule, not a guess.
#
# **Contract.** `deduplicate(df) -> pd.DataFrame`
#
# - Two rows are duplicates when every column is equal after normalising each
#   text (string-dtype) column: strip leading and trailing whitespace, replace
#   each run of whitespace by one space, casefold. Missing equals missing.
# - Returns the first row of each group, with its original values, in the
#   original order; same columns and dtypes; the index does not matter.
# - Does not modify `df`. An empty frame gives an empty frame.
#
# <details><summary>Hint 1</summary>
#
# Build the normalised copy with `.str.strip()`, `.str.replace(r"\s+", " ",
# regex=True)` and `.str.casefold()`, then use its `.duplicated()` as a mask
# on the original.
# </details>
# <details><summary>Hint 2</summary>
#
# `DataFrame.duplicated` treats missing values as equal to each other.
# Index the original with a NumPy mask (`.to_numpy()`) to avoid index
# alignment surprises.
# </details>

# %% nbgrader={"solution": true, "grade_id": "deduplicate_answer"}
def deduplicate(df):
    """Rows of df without exact or near (case/whitespace) duplicates; first kept, as written."""
    ### BEGIN SOLUTION
    key = df.copy()
    for col in key.columns:
        if pd.api.types.is_string_dtype(key[col].dtype) and key[col].dtype != object:
            key[col] = (key[col].str.strip().str.replace(r"\s+", " ", regex=True)
                        .str.casefold())
    return df[~key.duplicated(keep="first").to_numpy()].reset_index(drop=True)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "deduplicate_small", "points": 1}
"""deduplicate on five rows: an exact duplicate, a near duplicate, missing equal to missing."""
_rows = pd.DataFrame({"id": ["01", "01", "02", "02", "03", "01"],
                      "city": ["Paris", " PARIS  ", pd.NA, pd.NA, "Lyon", "Paris"],
                      "spend": [1, 1, 2, 2, 3, 9]}).astype({"id": "string", "city": "string",
                                                            "spend": "Int64"})
_expected = _rows.iloc[[0, 2, 4, 5]].reset_index(drop=True)
m05.frames_match(deduplicate(_rows), _expected, what="deduplicate(5 rows)", part="Part 2")
checks.equal(len(_rows), 6, what="the input is not modified")
print("duplicates dropped, first rows kept as written")

# %% nbgrader={"grade": true, "grade_id": "deduplicate_matches_reference", "points": 2}
"""deduplicate on the shipped file, seeded variations and edge cases."""
checks.attempted("deduplicate")
### BEGIN HIDDEN TESTS
checks.expect("deduplicate", cases=m05.deduplicate_cases(seed=52),
              reference=m05.deduplicate_reference,
              compare=m05.part_compare("frame", "Part 2 (deduplicate)"), budget_seconds=20)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *Two rows share an id but differ in spend: which
# do you keep?* (Ask. Usually the latest by an update timestamp; without one,
# keep both and flag the id.) *Fuzzy duplicates ("Jon" vs "John")?* (Record
# linkage: block on a key such as the email domain, then compare with an
# edit distance; out of scope for a 45-minute round, but name it.)

# %% [markdown]
# ## Part 3 — Numbers stored as text (3 points)
#
# `monthly_spend` mixes currency signs, thousands separators and refunds:

# %%
print(raw["monthly_spend"].dropna().sample(8, random_state=0).tolist())
print("with a thousands separator:", raw["monthly_spend"].str.contains(r"\d,\d{3}").sum())

# %% [markdown]
# **Before → after:**
#
# | raw | `"$1,234.50"` | `"€82.53"` | `"-$12.00"` | `"1,000,000.01"` | `<NA>` | `"free"` |
# |---|---|---|---|---|---|---|
# | parsed | `1234.5` | `82.53` | `-12.0` | `1000000.01` | NaN | NaN |
#
# `float("1,234.50")` raises and `pd.to_numeric` gives up; strip what is not
# part of the number first. The sign stays: a negative spend is a refund, a
# real value (Part 7 shows how to take its log).
#
# **Contract.** `parse_money(values) -> pd.Series`
#
# - `values`: a `pd.Series` of text (string dtype, may hold `pd.NA`).
# - Returns a `float64` Series with the same index and name: remove `$`,
#   `€`, `£`, `,` and any whitespace, then read the number (a leading `-`
#   is kept). Missing values and text that is still not a number after that
#   (`"free"`) become NaN. Never raises for a bad value.
#
# <details><summary>Hint 1</summary>
#
# Two steps: first remove every character that is not part of the number,
# then convert what is left; let anything unparseable become missing rather
# than raise.
# </details>
# <details><summary>Hint 2</summary>
#
# `values.str.replace(r"[$€£,\s]", "", regex=True)`, then
# `pd.to_numeric(..., errors="coerce")`, then `.astype("float64")` (pandas
# may hand back its nullable `Float64`).
# </details>

# %% nbgrader={"solution": true, "grade_id": "money_answer"}
def parse_money(values):
    """Money text ("$1,234.50", "-€3") to float64; NaN for missing or unreadable."""
    ### BEGIN SOLUTION
    cleaned = values.astype("string").str.replace(r"[$€£,\s]", "", regex=True)
    return pd.to_numeric(cleaned, errors="coerce").astype("float64")
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "money_small", "points": 1}
"""parse_money on the examples of the table above."""
_money = pd.Series(["$1,234.50", "€82.53", "-$12.00", "1,000,000.01", pd.NA, "free"],
                   dtype="string", name="monthly_spend", index=[5, 6, 7, 8, 9, 10])
_want = pd.Series([1234.5, 82.53, -12.0, 1000000.01, np.nan, np.nan], index=_money.index,
                  name="monthly_spend")
m05.series_match(parse_money(_money), _want, what="parse_money(examples)", part="Part 3")
print("money parsed")

# %% nbgrader={"grade": true, "grade_id": "money_matches_reference", "points": 2}
"""parse_money on the spend columns of the shipped file and variations."""
checks.attempted("parse_money")
### BEGIN HIDDEN TESTS
checks.expect("parse_money", cases=m05.money_cases(seed=53), reference=m05.parse_money_reference,
              compare=m05.part_compare("series", "Part 3 (parse_money)"), budget_seconds=10)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *European exports write `1.234,50`.* (Then the
# rule depends on the locale: ask, and parse per source, never guess per
# row.) *Several currencies in one column?* (Keep the currency as its own
# column and convert with a dated exchange rate; stripping the sign would
# silently add euros to dollars. Here the interviewer said all amounts are
# in one currency.)

# %% [markdown]
# ## Part 4 — Dates, and a policy for bad ones (3 points)
#
# Three formats, and some dates that cannot exist:

# %%
_dates = raw["signup_date"].dropna()
for pattern in (r"^\d{4}-", r"^\d\d/", r"^[A-Z][a-z]{2} "):
    print(pattern, _dates[_dates.str.contains(pattern)].head(3).tolist())
print("impossible:", [d for d in _dates.unique() if d in ("2023-02-30", "31/04/2022", "2022-13-05")])

# %% [markdown]
# `pd.to_datetime(..., format="mixed")` guesses per value and reads
# `05/04/2023` as *May* 4th (month first) unless told `dayfirst=True`; a
# guess that is wrong for some rows is worse than a crash. The safe way: try
# each **stated** format exactly, one after another, and keep the first that
# parses.
#
# **Policy for bad dates** (say it in the interview): an impossible or
# unreadable date becomes **NaT** (missing); the row stays, because its other
# columns are still good; the count of NaT is reported; imputation or a
# "date missing" flag comes later, fitted on train.
#
# **Before → after:**
#
# | raw | `2023-04-05` | `05/04/2023` | `Apr 05, 2023` | `2023-02-30` | `2023/04/05` | `<NA>` |
# |---|---|---|---|---|---|---|
# | parsed | 2023-04-05 | 2023-04-05 | 2023-04-05 | NaT | NaT | NaT |
#
# **Contract.** `parse_dates(values) -> pd.Series`
#
# - `values`: a `pd.Series` of text (string dtype, may hold `pd.NA`).
# - Returns a `datetime64` Series (any resolution; `datetime64[ns]` is the
#   reference) with the same index and name. Accepted formats, after
#   stripping surrounding whitespace: `%Y-%m-%d`, `%d/%m/%Y` and `%b %d, %Y`.
#   Anything else (an impossible date, another format, free text, missing)
#   is NaT. Never raises for a bad value.
#
# <details><summary>Hint 1</summary>
#
# `pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")` parses one
# format and leaves NaT elsewhere.
# </details>
# <details><summary>Hint 2</summary>
#
# Combine the three results with `.fillna(...)` or `.combine_first(...)`.
# </details>

# %% nbgrader={"solution": true, "grade_id": "dates_answer"}
def parse_dates(values):
    """Text dates in the three stated formats to datetime64; NaT for anything else."""
    ### BEGIN SOLUTION
    text = values.astype("string").str.strip()
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]", name=values.name)
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%b %d, %Y"):
        parsed = parsed.fillna(pd.to_datetime(text, format=fmt, errors="coerce")
                               .astype("datetime64[ns]"))
    return parsed
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "dates_small", "points": 1}
"""parse_dates on the examples of the table above."""
_text = pd.Series(["2023-04-05", "05/04/2023", "Apr 05, 2023", "2023-02-30", "2023/04/05", pd.NA],
                  dtype="string", name="signup_date")
_want = pd.Series(pd.to_datetime(["2023-04-05"] * 3 + [None] * 3), name="signup_date",
                  dtype="datetime64[ns]")
m05.series_match(parse_dates(_text), _want, what="parse_dates(examples)", part="Part 4")
print("dates parsed; bad ones are NaT")

# %% nbgrader={"grade": true, "grade_id": "dates_matches_reference", "points": 2}
"""parse_dates on the date columns of the shipped file and variations."""
checks.attempted("parse_dates")
### BEGIN HIDDEN TESTS
checks.expect("parse_dates", cases=m05.date_cases(seed=54), reference=m05.parse_dates_reference,
              compare=m05.part_compare("series", "Part 4 (parse_dates)"), budget_seconds=10)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *Time zones?* (Store UTC, convert at the edges;
# a date without a time zone is a local date: say whose.) *Dates in the
# future, or before the company existed?* (Possible but implausible: a second
# rule, e.g. NaT outside [founding date, export date], stated and counted.)

# %% [markdown]
# With Parts 1–4 the file is clean enough to model. Here is the cleaned frame
# (the reference steps, as Part 11 will chain them), split by signup date: the
# oldest 80% of customers train the model, the newest 20% test it.

# %%
clean = m05.clean_frame_reference(RAW_PATH)
train, test = m05.clean_split_case(seed=0)
print(len(clean), "rows;", len(train), "train,", len(test), "test")
clean.head()

# %% [markdown]
# ## Part 5 — Impute with train-only statistics (3 points)
#
# The median spend of *all* customers is not the median of the *training*
# customers: the newest ones spend differently. Filling the training rows
# with the full-data median lets the test rows shape the training data:
# leakage. The fill values are **fitted on train**, then applied to both.

# %%
print("median spend: train", train["monthly_spend"].median(), "| all rows",
      clean["monthly_spend"].median(), "| test", test["monthly_spend"].median())

# %% [markdown]
# **Before → after** (on the time split above: train median age 40.0, most frequent
# train city `marseille`):
#
# | | `age` | `city` |
# |---|---|---|
# | before | `<NA>` | `<NA>` |
# | after | `40.0` | `marseille` |
#
# **Contract.** `impute_train_test(train, test, numeric, categorical) -> (train_filled, test_filled)`
#
# - `numeric`, `categorical`: lists of column names. Every numeric column is
#   converted to `float64` and its missing values filled with the **train**
#   median (missing values skipped). Every categorical column is filled with
#   the **train** most frequent non-missing value; on a tie, the smallest
#   value in Python's sort order (scikit-learn's `SimpleImputer` rule); its
#   dtype is kept.
# - Other columns, row order, row count and column order are unchanged: no
#   row is dropped. `train` and `test` are not modified.
# - Returns a `tuple` of two DataFrames.
#
# <details><summary>Hint 1</summary>
#
# Compute a dict `{column: fill value}` from `train` only, then
# `frame.fillna(...)` on copies of both frames.
# </details>
# <details><summary>Hint 2</summary>
#
# `value_counts()` sorts by count but not by value among ties: take all
# values with the top count and `sorted(...)[0]`.
# </details>

# %% nbgrader={"solution": true, "grade_id": "impute_answer"}
def impute_train_test(train, test, numeric, categorical):
    """Fill numeric with the train median (float64), categorical with the train mode."""
    ### BEGIN SOLUTION
    fills = {}
    for col in numeric:
        fills[col] = float(train[col].astype("float64").median())
    for col in categorical:
        counts = train[col].dropna().value_counts()
        fills[col] = sorted(counts[counts == counts.max()].index)[0]
    out = []
    for frame in (train, test):
        frame = frame.copy()
        for col in numeric:
            frame[col] = frame[col].astype("float64").fillna(fills[col])
        for col in categorical:
            frame[col] = frame[col].fillna(fills[col])
        out.append(frame)
    return out[0], out[1]
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "impute_small", "points": 1}
"""impute_train_test fills the test set with train statistics, not its own."""
_train = pd.DataFrame({"x": [1.0, 2.0, np.nan, 4.0], "c": ["b", "a", "b", pd.NA]}).astype({"c": "string"})
_test = pd.DataFrame({"x": [np.nan, 100.0, 200.0], "c": [pd.NA, "a", "a"]}).astype({"c": "string"})
_got_train, _got_test = impute_train_test(_train, _test, ["x"], ["c"])
checks.equal(_got_test["x"].tolist(), [2.0, 100.0, 200.0], what="test x (train median is 2.0)")
checks.equal(_got_test["c"].tolist(), ["b", "a", "a"], what="test c (train mode is 'b')")
checks.equal(len(_got_train), 4, what="no train row is dropped")
checks.equal(int(_train["x"].isna().sum()), 1, what="the input is not modified")
print("train statistics fill both sets")

# %% nbgrader={"grade": true, "grade_id": "impute_matches_reference", "points": 2}
"""impute_train_test on the time split of the cleaned file and on random shifted splits."""
checks.attempted("impute_train_test")
### BEGIN HIDDEN TESTS
checks.expect("impute_train_test", cases=m05.impute_cases(seed=55), reference=m05.impute_reference,
              compare=m05.part_compare("frames", "Part 5 (impute_train_test)"), budget_seconds=10)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *Why not drop rows with any missing value?* (Here
# it would drop about 20% of the rows, and not at random: the rows that are
# missing a date are not like the others, so the model would be trained on a
# biased sample; and at prediction time you cannot drop a customer.) *Is the
# fact that a value was missing informative?* (Often: add an indicator column,
# `SimpleImputer(add_indicator=True)`.)

# %% [markdown]
# ## Part 6 — One-hot encoding with aligned columns (3 points)
#
# `pd.get_dummies` called on train and on test *separately* makes columns
# from whatever values each frame holds. When a category is missing from one
# side, or new in the test set, the two matrices no longer line up:

# %%
_a = pd.DataFrame({"plan": ["basic", "pro", "premium"]})
_b = pd.DataFrame({"plan": ["basic", "enterprise"]})
print(list(pd.get_dummies(_a).columns), "vs", list(pd.get_dummies(_b).columns))

# %% [markdown]
# A model fitted on the first layout, fed the second, reads `plan_enterprise`
# where it learned `plan_premium` (or crashes on the column count).
# The rule: **the categories are learned on train**; a test value never seen
# in train gets all zeros (scikit-learn's `handle_unknown="ignore"`).
#
# **Before → after** (train plans: basic, premium, pro):
#
# | test `plan` | `plan_basic` | `plan_premium` | `plan_pro` |
# |---|---|---|---|
# | `basic` | 1.0 | 0.0 | 0.0 |
# | `enterprise` (unseen) | 0.0 | 0.0 | 0.0 |
#
# **Contract.** `one_hot_train_test(train, test, columns) -> (train_encoded, test_encoded)`
#
# - `columns`: the categorical columns to encode, with no missing values
#   (impute first). The categories of each are the sorted distinct values of
#   **train**.
# - Each output frame holds the other columns first, unchanged and in their
#   order, then, for each column in the order of `columns`, one `float64`
#   column per category named `f"{column}_{category}"`: 1.0 where the value
#   equals that category, else 0.0.
# - Both outputs have exactly the same columns. Same rows, same order.
#
# <details><summary>Hint 1</summary>
#
# Decide the list of columns from `train` alone, then make both frames
# produce exactly those columns, in that order, whatever values `test`
# holds.
# </details>
# <details><summary>Hint 2</summary>
#
# `pd.get_dummies` works if you first make each column a
# `pd.Categorical(values, categories=train_categories)`: then both frames get
# every category. Turn unseen values into missing first
# (`values.where(values.isin(train_categories))`): they become all zeros, and
# pandas does not warn.
# Or build each 0/1 column yourself with `(frame[col] == category)`.
# </details>

# %% nbgrader={"solution": true, "grade_id": "one_hot_answer"}
def one_hot_train_test(train, test, columns):
    """One-hot encode `columns` with the categories of train; unseen test values -> zeros."""
    ### BEGIN SOLUTION
    categories = {col: sorted(train[col].unique()) for col in columns}
    out = []
    for frame in (train, test):
        blocks = [frame.drop(columns=columns)]
        for col in columns:
            blocks.append(pd.DataFrame({f"{col}_{cat}": (frame[col] == cat).astype("float64")
                                        for cat in categories[col]}, index=frame.index))
        out.append(pd.concat(blocks, axis=1))
    return out[0], out[1]
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "one_hot_small", "points": 1}
"""one_hot_train_test aligns test to the train categories; an unseen plan is all zeros."""
_train = pd.DataFrame({"id": ["1", "2", "3"], "plan": ["pro", "basic", "premium"]}, dtype="string")
_test = pd.DataFrame({"id": ["4", "5"], "plan": ["basic", "enterprise"]}, dtype="string")
_enc_train, _enc_test = one_hot_train_test(_train, _test, ["plan"])
_cols = ["id", "plan_basic", "plan_premium", "plan_pro"]
checks.equal(list(_enc_test.columns), _cols, what="the test columns")
checks.equal(list(_enc_train.columns), _cols, what="the train columns")
checks.array_equal(_enc_test[_cols[1:]].to_numpy(), [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                   what="the encoded test rows")
print("columns aligned")

# %% nbgrader={"grade": true, "grade_id": "one_hot_matches_reference", "points": 2}
"""one_hot_train_test on splits with unseen and absent categories."""
checks.attempted("one_hot_train_test")
### BEGIN HIDDEN TESTS
checks.expect("one_hot_train_test", cases=m05.one_hot_cases(seed=56), reference=m05.one_hot_reference,
              compare=m05.part_compare("frames", "Part 6 (one_hot_train_test)"), budget_seconds=10)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *A column with 10,000 categories (a zip code)?*
# (One-hot explodes: group rare values into "other" with a train frequency
# threshold, `OneHotEncoder(min_frequency=...)`, or use target encoding with
# cross-fitting, or hashing.) *Should you drop one column per feature?*
# (`drop="first"` avoids perfect collinearity for an unregularised linear
# model; with regularisation or trees, keep them all.)

# %% [markdown]
# ## Part 7 — Feature augmentation (3 points)
#
# Three classic additions, and one trap:
#
# - **Polynomial and interaction terms** (`age^2`, `age monthly_spend`) let a
#   linear model bend and combine features: the degree-2 terms of
#   scikit-learn's `PolynomialFeatures`, whose names we borrow.
# - **Date parts** (year, month, day of week) turn a timestamp into numbers a
#   model can use.
# - **A log** tames heavy tails: a few accounts spend 100 times the median
#   (outliers that are real customers, so we keep them). But `np.log(0)` is
#   `-inf` and `np.log1p(-12)` is NaN, and refunds make spend negative. The
#   **signed log** `sign(x) * log1p(|x|)` is defined everywhere, is 0 at 0,
#   keeps the sign and is monotone:

# %% tags=["skip-when-grading"]
_x = np.linspace(-500, 5000, 400)
fig, axes = plt.subplots(1, 2, figsize=(9, 3))
axes[0].hist(train["monthly_spend"].dropna(), bins=60)
axes[0].set_title("monthly_spend: a few huge accounts")
axes[0].set_yscale("log")
axes[1].plot(_x, m05.signed_log(_x))
axes[1].axhline(0, color="grey", lw=0.5)
axes[1].set_title("sign(x) * log1p(|x|)")
plt.tight_layout()
plt.show()

# %% [markdown]
# **Before → after** (numeric `["monthly_spend", "age"]`, date `signup_date`):
#
# | `monthly_spend` | `age` | `signup_date` | `monthly_spend^2` | `monthly_spend age` | `age^2` | `log_monthly_spend` | `log_age` | `signup_date_year` | `signup_date_month` | `signup_date_dayofweek` |
# |---|---|---|---|---|---|---|---|---|---|---|
# | -12.0 | 30.0 | 2023-04-05 | 144.0 | -360.0 | 900.0 | -2.565 | 3.434 | 2023.0 | 4.0 | 2.0 |
# | 0.0 | 41.0 | NaT | 0.0 | 0.0 | 1681.0 | 0.0 | 3.738 | NaN | NaN | NaN |
#
# **Contract.** `augment_features(df, numeric, date_col) -> pd.DataFrame`
#
# - `numeric`: a list of numeric columns with no missing values; `date_col`:
#   a `datetime64` column (may hold NaT).
# - Returns a new frame: all columns of `df` unchanged, then, all `float64`
#   and in this order:
#   1. the degree-2 terms in `PolynomialFeatures` order: for each position
#      `i` and each `j >= i` in `numeric`, the product named `f"{a}^2"` when
#      `i == j`, else `f"{a} {b}"`;
#   2. `f"log_{c}"` = `sign(x) * log1p(|x|)` for each `c` in `numeric`;
#   3. `f"{date_col}_year"`, `f"{date_col}_month"`, `f"{date_col}_dayofweek"`
#      (Monday = 0), NaN where the date is NaT.
# - `df` is not modified.
#
# <details><summary>Hint 1</summary>
#
# Write the three kinds of feature separately (products, safe logs, date
# parts), each as a dict of new columns, then join them in the stated order.
# </details>
# <details><summary>Hint 2</summary>
#
# Two nested loops `for i, a in enumerate(numeric): for b in numeric[i:]`;
# `series.dt.year` and friends give NaN for NaT once cast to float64.
# </details>

# %% nbgrader={"solution": true, "grade_id": "augment_answer"}
def augment_features(df, numeric, date_col):
    """df plus degree-2 terms, signed logs and date parts (float64), in the stated order."""
    ### BEGIN SOLUTION
    out = df.copy()
    for i, a in enumerate(numeric):
        for b in numeric[i:]:
            name = f"{a}^2" if a == b else f"{a} {b}"
            out[name] = df[a].astype("float64") * df[b].astype("float64")
    for col in numeric:
        x = df[col].astype("float64")
        out[f"log_{col}"] = np.sign(x) * np.log1p(np.abs(x))
    dates = df[date_col]
    out[f"{date_col}_year"] = dates.dt.year.astype("float64")
    out[f"{date_col}_month"] = dates.dt.month.astype("float64")
    out[f"{date_col}_dayofweek"] = dates.dt.day_of_week.astype("float64")
    return out
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "augment_small", "points": 1}
"""augment_features on the two rows of the table above."""
_df = pd.DataFrame({"monthly_spend": [-12.0, 0.0], "age": [30.0, 41.0],
                    "signup_date": pd.to_datetime(["2023-04-05", None]).astype("datetime64[ns]")})
_got = augment_features(_df, ["monthly_spend", "age"], "signup_date")
checks.equal(list(_got.columns), list(_df.columns) + [
    "monthly_spend^2", "monthly_spend age", "age^2", "log_monthly_spend", "log_age",
    "signup_date_year", "signup_date_month", "signup_date_dayofweek"], what="the columns")
checks.array_close(_got["log_monthly_spend"].to_numpy(), [-np.log1p(12.0), 0.0],
                   what="log_monthly_spend (signed log of -12 and 0)")
checks.array_close(_got["signup_date_dayofweek"].to_numpy(), [2.0, np.nan],
                   what="signup_date_dayofweek (a Wednesday, then NaT)")
print("features added")

# %% nbgrader={"grade": true, "grade_id": "augment_matches_reference", "points": 2}
"""augment_features on random frames (zeros, negatives, NaT) and the cleaned file."""
checks.attempted("augment_features")
### BEGIN HIDDEN TESTS
checks.expect("augment_features", cases=m05.augment_cases(seed=57), reference=m05.augment_reference,
              compare=m05.part_compare("frame", "Part 7 (augment_features)"), budget_seconds=10)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *How many features does degree 3 on 50 columns
# give?* (C(53, 3) - 1 = 23,425: feature explosion; regularise, or select.)
# *Day of week as a number 0–6 tells a linear model Sunday is "far" from
# Monday.* (Encode cyclic features with sin/cos, or one-hot.) *Would you log
# before or after scaling?* (Before: the log changes the shape, the scaler
# only moves and stretches it.)

# %% [markdown]
# ## Part 8 — Standardise, fitted on train only (3 points)
#
# Standardising subtracts a mean and divides by a standard deviation. If
# those come from all rows (or the data is scaled *before* the split), the
# test rows have leaked into the transform. The tell-tale sign: the
# standardised **test** set has mean exactly 0, although new customers are
# not like the old ones.
#
# **Before → after** (train `[0, 2]`: mean 1, std 1):
#
# | | train | test |
# |---|---|---|
# | raw | 0, 2 | 4 |
# | scaled with train statistics | -1, 1 | **3** |
# | scaled with all rows (leak) | -1.22, 0 | 1.22 |
#
# **Contract.** `standardize_train_test(X_train, X_test) -> (Z_train, Z_test)`
#
# - `X_train` `(n_train, d)`, `X_test` `(n_test, d)`: NumPy arrays of floats.
# - Per column, the mean and the **population** standard deviation
#   (`ddof=0`, as `StandardScaler`) of `X_train` only; a column whose
#   standard deviation is 0 is only centred (divided by 1).
# - Returns a `tuple` of two `float64` NumPy arrays of the input shapes.
#   The inputs are not modified.
#
# <details><summary>Hint 1</summary>
#
# Which rows may the mean and the spread come from? Compute them once, then
# apply the same two vectors to every set.
# </details>
# <details><summary>Hint 2</summary>
#
# `X_train.mean(axis=0)`, `X_train.std(axis=0)` and `np.where(std == 0, 1, std)`.
# </details>

# %% nbgrader={"solution": true, "grade_id": "standardize_answer"}
def standardize_train_test(X_train, X_test):
    """(X - train mean) / train std for both sets; std 0 -> 1."""
    ### BEGIN SOLUTION
    X_train = np.asarray(X_train, dtype=float)
    X_test = np.asarray(X_test, dtype=float)
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return (X_train - mean) / std, (X_test - mean) / std
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "standardize_small", "points": 1}
"""The test set is scaled with the train mean and std: a leak would give 1.22, not 3."""
_Z_train, _Z_test = standardize_train_test(np.array([[0.0, 5.0], [2.0, 5.0]]),
                                           np.array([[4.0, 6.0]]))
checks.array_close(_Z_train, [[-1.0, 0.0], [1.0, 0.0]], what="Z_train")
checks.array_close(_Z_test, [[3.0, 1.0]], what="Z_test (train statistics; a constant column is only centred)")
print("scaled with train statistics only")

# %% nbgrader={"grade": true, "grade_id": "standardize_no_leak", "points": 2}
"""standardize_train_test agrees with StandardScaler fitted on train, on shifted test sets."""
checks.attempted("standardize_train_test")
### BEGIN HIDDEN TESTS
checks.expect("standardize_train_test", cases=m05.standardize_cases(seed=58),
              reference=m05.standardize_reference,
              compare=m05.part_compare("arrays", "Part 8 (standardize_train_test)"), budget_seconds=10)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *Which models need scaling?* (Distance- and
# gradient-based ones: k-NN, SVM, regularised linear models, neural nets,
# PCA. Trees do not.) *Outliers dominate the std?* (`RobustScaler`: median
# and IQR.) *In cross-validation?* (Refit the scaler inside each fold: put
# it in a `Pipeline`, which is what Part 12 does.)

# %% [markdown]
# ## Part 9 — Find the leaky column (3 points)
#
# A **leaky** feature encodes the label: it is only known *after* the
# outcome, so it scores perfectly offline and is useless (or absent) when
# predicting. `account_status` is `closed` exactly when `churned` is 1; a
# `days_since_cancel` column would be missing exactly when the customer did
# not churn. Before/after: the raw columns, and the one to drop.

# %%
print(pd.crosstab(raw["account_status"], raw["churned"]))

# %% [markdown]
# The test: group the rows by the column's value and predict each group's
# majority label. The **purity** is the share of rows this predicts right; a
# column whose purity reaches 0.95 is a suspect (the majority-class rate here
# is about 0.6). Ids are unique, so grouping by them is trivially pure: for
# a column with more than 20 distinct values, group by *missing or not*
# instead, which still catches a missingness leak.
#
# **Contract.** `find_leaky_columns(df, label, threshold=0.95) -> list[str]`
#
# - For each column `c` other than `label`: the groups are the values of `c`
#   (missing is a value of its own) when `c` has at most 20 distinct
#   non-missing values, else `c.isna()`. Purity = (sum over groups of the
#   count of the group's most common label) / number of rows.
# - Returns the names with purity `>= threshold`, in the frame's column
#   order (an empty list when none).
#
# <details><summary>Hint 1</summary>
#
# `pd.crosstab(key, df[label])` counts rows per (group, label);
# `.max(axis=1).sum()` adds the majority counts.
# </details>
# <details><summary>Hint 2</summary>
#
# `groupby` and `crosstab` drop missing keys by default. Turn the key into
# codes first: `pd.factorize(key, use_na_sentinel=False)[0]`.
# </details>

# %% nbgrader={"solution": true, "grade_id": "leak_answer"}
def find_leaky_columns(df, label, threshold=0.95):
    """Columns whose values (or missingness) predict the label with purity >= threshold."""
    ### BEGIN SOLUTION
    leaky = []
    for col in df.columns:
        if col == label:
            continue
        values = df[col]
        key = values if values.nunique(dropna=True) <= 20 else values.isna()
        codes, _ = pd.factorize(key, use_na_sentinel=False)
        counts = pd.crosstab(codes, df[label].to_numpy())
        if counts.max(axis=1).sum() / len(df) >= threshold:
            leaky.append(col)
    return leaky
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "leak_small", "points": 1}
"""find_leaky_columns on six rows: a status leak, a missingness leak, an honest feature."""
_df = pd.DataFrame({"status": ["closed", "active", "closed", "active", "active", "closed"],
                    "spend": [1.0, 2.0, 3.0, 2.0, 1.0, 3.0],
                    "days_since_cancel": [5.0, np.nan, 9.0, np.nan, np.nan, 1.0],
                    "y": [1, 0, 1, 0, 0, 1]})
checks.equal(find_leaky_columns(_df, "y"), ["status", "days_since_cancel"],
             what="find_leaky_columns(6 rows)")
print("leaks found")

# %% nbgrader={"grade": true, "grade_id": "leak_matches_reference", "points": 2}
"""find_leaky_columns on the raw frames and on frames with hidden leaks and a 90% near-leak."""
checks.attempted("find_leaky_columns")
### BEGIN HIDDEN TESTS
checks.expect("find_leaky_columns", cases=m05.leak_cases(seed=59),
              reference=m05.find_leaky_columns_reference,
              compare=m05.part_compare("list", "Part 9 (find_leaky_columns)"), budget_seconds=10)
### END HIDDEN TESTS

# %% [markdown]
# Dropping it, and the constant column (`source` holds one value: it carries
# no information, and breaks a scaler's division by the std):

# %%
_dropped = find_leaky_columns(raw, "churned")
_constant = [c for c in raw.columns if raw[c].nunique(dropna=False) == 1]
print("leaky:", _dropped, "| constant:", _constant)
print(list(raw.drop(columns=_dropped + _constant).columns))

# %% [markdown]
# **Interview follow-ups.** *Leaks purity cannot see?* (A feature computed
# over a window that includes the future, a row id that was sorted by label,
# duplicates of one customer in both train and test: check how each column
# was *produced*, and split by time or by customer.) *Your model scores AUC
# 0.99 on day one.* (Suspect a leak before celebrating: look at the
# feature importances.)

# %% [markdown]
# ## Part 10 — PCA from scratch (3 points)
#
# PCA finds the orthogonal directions of largest variance. With the centred
# data `Xc = X - mean`, the SVD `Xc = U S Vᵀ` gives them all at once: the
# rows of `Vᵀ` are the directions (components), `S²/(n-1)` their variances,
# and the **explained variance ratio** of component `k` is
# `S[k]² / sum(S²)` — the share of the total variance it keeps. The
# projections (scores) are `Xc @ Vᵀ[:k].T` (equivalently `U[:, :k] * S[:k]`).
# Two facts worth saying in the interview: forgetting to **centre** makes the
# first component point at the mean; and each component is only defined
# **up to its sign** (`v` and `-v` span the same line), so compare with
# scikit-learn after aligning signs.
#
# **Contract.** `pca(X, n_components) -> (scores, components, explained_variance_ratio)`
#
# - `X`: a `(n_samples, n_features)` float array; `1 <= n_components <=
#   min(n_samples, n_features)`.
# - `components`: `(n_components, n_features)`, unit-norm rows, by
#   decreasing variance; any sign per row. `scores`: `(n_samples,
#   n_components)`, the centred `X` projected on them.
#   `explained_variance_ratio`: `(n_components,)`, each component's variance
#   over the **total** variance of all features.
# - A `tuple` of three NumPy arrays; no scikit-learn in the answer.
#
# <details><summary>Hint 1</summary>
#
# `U, S, Vt = np.linalg.svd(Xc, full_matrices=False)`.
# </details>
# <details><summary>Hint 2</summary>
#
# Another way: the eigenvectors of the covariance matrix, `np.linalg.eigh`,
# sorted by decreasing eigenvalue (eigh returns them increasing).
# </details>

# %% nbgrader={"solution": true, "grade_id": "pca_answer"}
def pca(X, n_components):
    """PCA by SVD of the centred data: (scores, components, explained_variance_ratio)."""
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=float)
    Xc = X - X.mean(axis=0)
    U, S, Vt = np.linalg.svd(Xc, full_matrices=False)
    components = Vt[:n_components]
    ratio = S**2 / np.sum(S**2)
    return Xc @ components.T, components, ratio[:n_components]
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "pca_small", "points": 1}
"""pca on points along a line: one component, explained variance ratio 1."""
_X = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0], [4.0, 8.0]]) + 10.0
_scores, _components, _ratio = pca(_X, 1)
checks.array_close(np.abs(_components), [[1 / np.sqrt(5), 2 / np.sqrt(5)]], what="the component (up to sign)")
checks.array_close(_ratio, [1.0], what="explained_variance_ratio")
checks.array_close(np.abs(_scores[:, 0]), np.sqrt(5) * np.array([1.5, 0.5, 0.5, 1.5]),
                   what="|scores| (the data is centred first)")
print("one line, one component")

# %% nbgrader={"grade": true, "grade_id": "pca_matches_sklearn", "points": 2}
"""pca equals scikit-learn's PCA up to the sign of each component, on random data."""
checks.attempted("pca")
### BEGIN HIDDEN TESTS
checks.expect("pca", cases=m05.pca_cases(seed=60), reference=m05.pca_reference,
              compare=m05.pca_matches, budget_seconds=10)
### END HIDDEN TESTS

# %% [markdown]
# The explained variance ratio on the training features (after imputation,
# augmentation and standardisation), and how many components keep 90% of the
# variance:

# %%
_numeric = ["age", "monthly_spend", "n_orders"]
_tr, _te = m05.impute_reference(train, test, _numeric, ["city", "plan"])
_tr = m05.augment_reference(_tr, _numeric, "signup_date")
_te = m05.augment_reference(_te, _numeric, "signup_date")
_features = [c for c in _tr.columns if _tr[c].dtype == "float64"]
_Z_train, _ = m05.standardize_reference(_tr[_features].fillna(_tr[_features].median()).to_numpy(),
                                        _te[_features].fillna(_tr[_features].median()).to_numpy())
_, _, _ratio = pca(_Z_train, len(_features))
fig, ax = plt.subplots(figsize=(5, 3))
ax.bar(range(1, len(_ratio) + 1), _ratio, label="per component")
ax.plot(range(1, len(_ratio) + 1), np.cumsum(_ratio), marker="o", color="C1", label="cumulative")
ax.axhline(0.9, color="grey", ls="--", lw=0.8)
ax.set_xlabel("component")
ax.set_ylabel("explained variance ratio")
ax.legend()
plt.show()
print(len(_features), "features;", int(np.searchsorted(np.cumsum(_ratio), 0.9)) + 1,
      "components keep 90% of the variance")

# %% [markdown]
# **Interview follow-ups.** *Standardise before PCA?* (Yes when features are
# in different units: otherwise spend in dollars, with the largest variance,
# *is* the first component.) *PCA on 10⁶ × 10⁴?* (Randomised SVD, or
# incremental PCA on batches.) *Fit PCA on all rows?* (No: the basis is a
# fitted statistic like a mean; fit on train, project test.)

# %% [markdown]
# ## Part 11 — The whole cleaning in one function, saved to a new CSV (4 points)
#
# The interviewer's first sentence: load, clean, **save to a new CSV**. A
# saved file is only useful if reading it back gives the same frame: same
# columns in the same order, same dtypes, same missing values, same numbers.
# The usual ways to break the round trip: writing the index (an extra
# `Unnamed: 0` column), letting the reader guess dtypes (ids lose their
# zeros again), writing floats with 17 digits or 1 digit, and writing over
# the source data.
#
# **Before → after** (the file's first lines):
#
# ```
# customer_id,name,email,city,plan,signup_date,monthly_spend,age,n_orders,notes,source,account_status,churned
# 201601,"Garcia, Chloe",chloe.garcia51@example.com,Lyon,basic  ,2024-02-27,€82.53,24,8,,crm_export_v2,active,0
# ```
# ```
# customer_id,city,plan,signup_date,monthly_spend,age,n_orders,churned
# 201601,lyon,basic,2024-02-27,82.53,24,8,0
# ```
#
# **Contract.** `clean_customers(raw_path, out_path) -> pd.DataFrame`
#
# - Steps, in order: `load_customers`; `deduplicate`; `city` and `plan`
#   normalised (strip, collapse whitespace, casefold; missing stays missing);
#   `parse_dates` on `signup_date`; `parse_money` on `monthly_spend`. No
#   imputation: that is fitted after the split.
# - Keeps the columns of `m05.CLEAN_DTYPES`, in that order and with those
#   dtypes (`signup_date` as `datetime64[ns]`): `name`, `email` and `notes`
#   (personal data, free text), `source` (constant) and `account_status`
#   (leaky) are dropped. Returns that frame.
# - Writes it to `out_path` with
#   `to_csv(out_path, index=False, float_format="%.2f", date_format="%Y-%m-%d", lineterminator="\n")`
#   (UTF-8, no BOM; missing values as empty fields), creating missing parent
#   folders. Reading the file with `m05.read_clean_reference(out_path)` gives
#   the returned frame exactly.
# - Raises `ValueError`, before writing anything, when `out_path` is in the
#   folder of `raw_path`: a cleaning job never writes next to (or over) its
#   source data. So the course's `data/` folder stays untouched; write into
#   your own working folder.
#
# <details><summary>Hint 1</summary>
#
# The parts you have written already do the work; this function is their
# composition, plus one guard that runs before anything is written.
# </details>
# <details><summary>Hint 2</summary>
#
# Chain your functions of Parts 1–4. Compare folders with
# `Path(out_path).resolve().parent == Path(raw_path).resolve().parent`.
# </details>

# %% nbgrader={"solution": true, "grade_id": "clean_answer"}
def clean_customers(raw_path, out_path):
    """Load, deduplicate, repair types; write the clean CSV to out_path; return the frame."""
    ### BEGIN SOLUTION
    raw_path, out_path = Path(raw_path), Path(out_path)
    if out_path.resolve().parent == raw_path.resolve().parent:
        raise ValueError(f"refusing to write {out_path} next to the raw data")
    df = deduplicate(load_customers(raw_path))

    def normalise(values):
        return values.str.strip().str.replace(r"\s+", " ", regex=True).str.casefold()

    clean = pd.DataFrame({
        "customer_id": df["customer_id"],
        "city": normalise(df["city"]),
        "plan": normalise(df["plan"]),
        "signup_date": parse_dates(df["signup_date"]),
        "monthly_spend": parse_money(df["monthly_spend"]),
        "age": df["age"],
        "n_orders": df["n_orders"],
        "churned": df["churned"],
    }).astype(m05.CLEAN_DTYPES)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    clean.to_csv(out_path, index=False, float_format="%.2f", date_format="%Y-%m-%d",
                 lineterminator="\n")
    return clean
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "clean_shipped_file", "points": 1}
"""clean_customers on the shipped file, written to a temporary folder, round-trips."""
with tempfile.TemporaryDirectory() as _out_dir:  # removed at the end of the block
    _out = Path(_out_dir) / "customers_clean.csv"
    m05.clean_matches(clean_customers(RAW_PATH, _out), m05.clean_reference(RAW_PATH, _out),
                      what="clean_customers(shipped file)")
    print(_out.read_text(encoding="utf-8")[:200])

# %% nbgrader={"grade": true, "grade_id": "clean_round_trips", "points": 3}
"""clean_customers on seeded variations: frame, round trip, exact text, and no writing beside the raw file."""
checks.attempted("clean_customers")
### BEGIN HIDDEN TESTS
checks.expect("clean_customers", cases=m05.clean_cases(seed=61), reference=m05.clean_reference,
              compare=m05.clean_matches, budget_seconds=30)
### END HIDDEN TESTS

# %% [markdown]
# Your own clean copy, in your working folder (next to this notebook):

# %%
WORK_DIR = Path("m05_work")
clean_mine = clean_customers(RAW_PATH, WORK_DIR / "customers_clean.csv")
back = m05.read_clean_reference(WORK_DIR / "customers_clean.csv")
print(back.dtypes.to_dict())
print("identical after the round trip:", back.equals(clean_mine))

# %% [markdown]
# **Interview follow-ups.** *Why not Parquet?* (Parquet keeps dtypes, is
# compressed and columnar: the better format between your own jobs. CSV is
# for people and for other tools; then the dtypes must travel in a schema
# file or a contract like the one above.) *How would you test this job in
# production?* (Row counts in and out, the share of NaT and NaN per column
# against a threshold, a schema check; fail loudly when an export changes.)

# %% [markdown]
# ## Part 12 — The same steps as a scikit-learn pipeline (3 points)
#
# Parts 5, 6 and 8 by hand are the best way to understand them; in
# production, a `ColumnTransformer` inside a `Pipeline` does the same and
# cannot leak: `fit` sees only the training rows, `transform` applies the
# fitted statistics, and cross-validation refits everything in each fold.
#
# | by hand | scikit-learn |
# |---|---|
# | `impute_train_test` (median / most frequent) | `SimpleImputer(strategy="median")`, `SimpleImputer(strategy="most_frequent")` |
# | `standardize_train_test` | `StandardScaler()` |
# | `one_hot_train_test` | `OneHotEncoder(handle_unknown="ignore", sparse_output=False)` |
# | pick columns by name | `ColumnTransformer([(name, steps, columns), ...])` |
#
# **Contract.** `make_preprocessor(numeric, categorical)` returns an
# **unfitted** scikit-learn estimator (a `ColumnTransformer`, or a `Pipeline`
# around one) which, fitted on a training frame, transforms a frame into a
# dense float array: first the `numeric` columns (median-imputed, then
# standardised), then the `categorical` columns (most-frequent-imputed, then
# one-hot with the categories of train; unseen values all zeros). Its output
# equals `m05.preprocess_by_hand(train, test, numeric, categorical)`, the
# chain of the from-scratch steps. The frames it gets hold categorical
# columns as `object` with `np.nan` for missing (scikit-learn's convention).
#
# <details><summary>Hint 1</summary>
#
# Two blocks of columns, each with its own chain of steps; scikit-learn has
# one object that routes columns to chains.
# </details>
# <details><summary>Hint 2</summary>
#
# `make_pipeline(SimpleImputer(...), StandardScaler())` for one block; a
# `ColumnTransformer` takes a list of `(name, transformer, columns)`.
# </details>

# %% nbgrader={"solution": true, "grade_id": "preprocessor_answer"}
def make_preprocessor(numeric, categorical):
    """An unfitted ColumnTransformer: impute+scale numeric, impute+one-hot categorical."""
    ### BEGIN SOLUTION
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric_steps = Pipeline([("impute", SimpleImputer(strategy="median")),
                              ("scale", StandardScaler())])
    categorical_steps = Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                                  ("one_hot", OneHotEncoder(handle_unknown="ignore",
                                                            sparse_output=False))])
    return ColumnTransformer([("numeric", numeric_steps, list(numeric)),
                              ("categorical", categorical_steps, list(categorical))])
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "preprocessor_small", "points": 1}
"""make_preprocessor fitted on a small train frame matches the hand chain, an unseen city included."""
_train = pd.DataFrame({"age": [30.0, np.nan, 35.0, 70.0], "city": ["lyon", "paris", np.nan, "lyon"]})
_test = pd.DataFrame({"age": [np.nan, 60.0], "city": ["nantes", "paris"]})
_model = make_preprocessor(["age"], ["city"]).fit(_train)
_want_train, _want_test = m05.preprocess_by_hand(_train, _test, ["age"], ["city"])
checks.array_close(np.asarray(_model.transform(_test), dtype=float), _want_test,
                   what="transform(test)")
checks.array_close(np.asarray(_model.transform(_train), dtype=float), _want_train,
                   what="transform(train)")
print("the pipeline and the hand chain agree")

# %% nbgrader={"grade": true, "grade_id": "preprocessor_matches_hand_chain", "points": 2}
"""make_preprocessor agrees with the hand chain on random splits with unseen categories."""
checks.attempted("make_preprocessor")
### BEGIN HIDDEN TESTS
checks.expect("make_preprocessor", cases=m05.preprocessor_cases(seed=62),
              reference=m05.preprocessor_reference, compare=m05.preprocessor_matches,
              budget_seconds=20)
### END HIDDEN TESTS

# %% [markdown]
# Both routes, side by side on the time split of the cleaned file:

# %%
_num, _cat = ["age", "monthly_spend", "n_orders"], ["city", "plan"]
_as_sklearn = {c: object for c in _cat}
_tr = train.astype(_as_sklearn).astype({c: "float64" for c in _num})
_te = test.astype(_as_sklearn).astype({c: "float64" for c in _num})
_tr[_cat] = _tr[_cat].where(_tr[_cat].notna(), np.nan)
_te[_cat] = _te[_cat].where(_te[_cat].notna(), np.nan)
_by_hand = m05.preprocess_by_hand(_tr, _te, _num, _cat)[1]
_by_sklearn = make_preprocessor(_num, _cat).fit(_tr).transform(_te)
print("test matrix", _by_sklearn.shape, "| largest difference:",
      float(np.max(np.abs(_by_hand - _by_sklearn))))

# %% [markdown]
# **Interview follow-ups.** *Why is the pipeline safer than the hand
# version?* (One object to fit, save and load: the training statistics
# travel with the model, and `cross_val_score(pipeline, ...)` refits them in
# each fold. By hand, someone eventually calls `fit` on the wrong frame.)
# *Where do the augmentation and the PCA of Parts 7 and 10 go?*
# (`FunctionTransformer` for the signed log and the date parts,
# `PolynomialFeatures` and `PCA` as further steps of the same `Pipeline`.)
#
# ## What next
#
# Module 6 asks the same questions of a database: the cleaning, the joins
# and the train/test split written in SQL, checked against DuckDB.
