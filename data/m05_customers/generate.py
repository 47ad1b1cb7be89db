"""Write customers_raw.csv beside this script: the messy export of module m05.

Seeded and byte-for-byte reproducible (`make data` re-runs it). The logic
lives in the package (`mlinterview.exercises.m05.make_raw_customers`) so the
hidden tests can make seeded variations of the same file.
"""

from pathlib import Path

from mlinterview.exercises import m05

if __name__ == "__main__":
    target = Path(__file__).resolve().parent / "customers_raw.csv"
    m05.write_raw_customers(target, seed=m05.SHIPPED_SEED, n_rows=m05.SHIPPED_ROWS)
    print(f"wrote {target} ({target.stat().st_size} bytes)")
