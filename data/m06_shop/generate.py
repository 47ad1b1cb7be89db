"""Re-make the m06_sql_duckdb online-shop CSV files next to this script.

Seeded (``m06.SHIPPED_SEED``): running it again writes the same bytes. The
generation logic lives in ``mlinterview.exercises.m06.make_shop`` so the
hidden tests can build seeded variations of the same shop.
"""

from pathlib import Path

from mlinterview.exercises import m06

if __name__ == "__main__":
    folder = Path(__file__).resolve().parent
    tables = m06.make_shop(m06.SHIPPED_SEED)
    m06.write_shop(tables, folder)
    print(", ".join(f"{name}: {len(df)} rows" for name, df in tables.items()))
