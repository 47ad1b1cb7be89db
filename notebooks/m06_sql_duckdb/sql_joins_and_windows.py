# %% [markdown]
# # Module 6 — SQL interview questions on DuckDB
#
# Data-heavy teams ask SQL in the first round, usually starting with "combine
# these two tables". This module teaches the questions that come up again and
# again, on DuckDB: a real SQL engine that runs inside Python, with no server to
# start.
#
# **The data.** A small online shop (`data/m06_shop/`, documented in
# `data/README.md`): `customers`, `products`, `orders`, `order_items`,
# `events` (clicks) and `customer_features` (snapshots a feature pipeline
# wrote). It holds the awkward cases that separate a right query from an
# almost-right one: customers with no orders, guest orders whose `customer_id`
# is NULL, NULL statuses and categories, ties, duplicate events and days with
# no orders.
#
# **How the parts work.** Each part shows the rows involved on a *tiny shop*
# you can read at a glance (before), the result the question wants (after),
# and a contract: the output columns, their names and order, NULL handling,
# and whether row order matters (almost always "any order": a result is
# compared as a multiset of rows). Your answer is a query string, for example
#
# ```python
# CUSTOMER_ORDERS_SQL = """
# SELECT ...
# """
# ```
#
# The visible test runs it on the tiny shop. The hidden tests run it on the
# shipped shop *and* on seeded variations of it (other customers, dates,
# categories), each time on a fresh database, so a query that hard-codes
# today's ids or counts fails, and a query that drops or deletes a table harms
# nothing else. A SQL error shows DuckDB's message and your query with the
# failing position marked.
#
# Try your queries in a scratch cell: `sql.run(MY_QUERY, TINY)` returns a
# DataFrame, and `sql.run(MY_QUERY, SHOP)` runs it on the shipped shop.

# %%
from IPython.display import display

from mlinterview import checks, sql
from mlinterview.exercises import m06

TINY = m06.tiny_shop()
SHOP = m06.load_shop()
print({name: len(table) for name, table in SHOP.items()})

# %% [markdown]
# The tiny shop's tables, which every part's example uses:

# %% tags=["skip-when-grading"]
for name, table in TINY.items():
    print(name)
    display(table)

# %% [markdown]
# ## Part 1 — Combine two tables, keeping customers with no order (3 points)
#
# > *Interviewer:* "List every customer with their orders."
#
# "Every customer" is the part that gets dropped. An inner join keeps only the
# pairs that match, so a customer who never ordered disappears. A `LEFT JOIN`
# keeps every row of the left table and fills the right side with NULLs when
# nothing matches. Guest orders (`customer_id` NULL) match no customer: NULL is
# not equal to anything, not even NULL.
#
# **Before**: the tiny shop's customers and orders. Watch Dee and Eve (no
# orders) and the three guest orders.

# %% tags=["skip-when-grading"]
display(TINY["customers"], TINY["orders"])
# the inner join: Dee and Eve are gone, and so are the guest orders
sql.run("""
SELECT c.customer_id, c.name, o.order_id
FROM customers AS c JOIN orders AS o ON o.customer_id = c.customer_id
""", TINY)

# %% [markdown]
# **After**: what the question wants on the tiny shop (computed in pandas by `m06.customer_orders_reference`).

# %% tags=["skip-when-grading"]
m06.customer_orders_reference(TINY)

# %% [markdown]
# **Contract.** Define `CUSTOMER_ORDERS_SQL`, a query string returning the
# columns `customer_id`, `name`, `order_id`, `ordered_at` (in that order): one
# row per (customer, order) pair, and one row with `order_id` and `ordered_at`
# NULL for each customer who has no order. Guest orders (NULL `customer_id`) do
# not appear. Any row order.
#
# <details><summary>Hint 1</summary>
#
# Start `FROM customers`, then join `orders` so that customers survive.
# </details>
# <details><summary>Hint 2</summary>
#
# `LEFT JOIN orders AS o ON o.customer_id = c.customer_id`.
# </details>

# %% nbgrader={"solution": true, "grade_id": "customer_orders_answer"}
# CUSTOMER_ORDERS_SQL = """SELECT ..."""  (DuckDB SQL, as a string)
### BEGIN SOLUTION
CUSTOMER_ORDERS_SQL = """
SELECT c.customer_id, c.name, o.order_id, o.ordered_at
FROM customers AS c
LEFT JOIN orders AS o ON o.customer_id = c.customer_id
"""
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "customer_orders_tiny_shop", "points": 1}
"""CUSTOMER_ORDERS_SQL on the tiny shop: Dee and Eve keep one row each, with NULLs."""
sql.check_query(checks.answer("CUSTOMER_ORDERS_SQL"), TINY, m06.customer_orders_reference(TINY),
                what="CUSTOMER_ORDERS_SQL on the tiny shop")
print("CUSTOMER_ORDERS_SQL gives the right rows on the tiny shop")

# %% nbgrader={"grade": true, "grade_id": "customer_orders_matches_pandas", "points": 2}
"""CUSTOMER_ORDERS_SQL on the shipped shop and on seeded variations of it."""
checks.attempted("CUSTOMER_ORDERS_SQL")
### BEGIN HIDDEN TESTS
sql.expect_query("CUSTOMER_ORDERS_SQL", datasets=m06.variations(seed=601),
                 reference=m06.customer_orders_reference)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *Where does a filter on the right table go?* (In the `ON` clause: a
# `WHERE o.status = 'completed'` after a left join removes the NULL rows again
# and turns it back into an inner join.) *And a FULL OUTER JOIN?* (Keeps
# unmatched rows from both sides: here it would add the guest orders.)

# %% [markdown]
# ## Part 2 — Self-join: who referred whom (3 points)
#
# > *Interviewer:* "For every customer who was referred, show who referred them."
#
# `customers.referred_by` holds another *customer's* id. Joining a table to
# itself needs two aliases: one for the referred customer, one for the
# referrer. Two traps: joining in the wrong direction (`c.customer_id =
# r.referred_by` finds the people *c* referred), and an inner join, which
# silently drops customers whose referrer's account was deleted (Cy, referred
# by 9, who no longer exists).
#
# **Before**: the rows involved.

# %% tags=["skip-when-grading"]
sql.run("SELECT customer_id, name, referred_by FROM customers", TINY)

# %% [markdown]
# **After**: what the question wants on the tiny shop (computed in pandas by `m06.referrals_reference`).

# %% tags=["skip-when-grading"]
m06.referrals_reference(TINY)

# %% [markdown]
# **Contract.** Define `REFERRALS_SQL` returning `customer_id`, `name`,
# `referrer_name`: one row per customer whose `referred_by` is not NULL;
# `referrer_name` is the referrer's `name`, or NULL when no customer has that
# id. Any row order.
#
# <details><summary>Hint 1</summary>
#
# `FROM customers AS c LEFT JOIN customers AS r ON ...`: which column of which alias holds the referrer's id?
# </details>
# <details><summary>Hint 2</summary>
#
# `ON r.customer_id = c.referred_by`, and keep only `c.referred_by IS NOT NULL`.
# </details>

# %% nbgrader={"solution": true, "grade_id": "referrals_answer"}
# REFERRALS_SQL = """SELECT ..."""  (DuckDB SQL, as a string)
### BEGIN SOLUTION
REFERRALS_SQL = """
SELECT c.customer_id, c.name, r.name AS referrer_name
FROM customers AS c
LEFT JOIN customers AS r ON r.customer_id = c.referred_by
WHERE c.referred_by IS NOT NULL
"""
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "referrals_tiny_shop", "points": 1}
"""REFERRALS_SQL on the tiny shop: Cy's referrer is gone, so referrer_name is NULL."""
sql.check_query(checks.answer("REFERRALS_SQL"), TINY, m06.referrals_reference(TINY),
                what="REFERRALS_SQL on the tiny shop")
print("REFERRALS_SQL gives the right rows on the tiny shop")

# %% nbgrader={"grade": true, "grade_id": "referrals_matches_pandas", "points": 2}
"""REFERRALS_SQL on the shipped shop and on seeded variations of it."""
checks.attempted("REFERRALS_SQL")
### BEGIN HIDDEN TESTS
sql.expect_query("REFERRALS_SQL", datasets=m06.variations(seed=602),
                 reference=m06.referrals_reference)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *The classic version?* ("Employees who earn more than their manager":
# the same self-join with a comparison.) *A whole referral chain?* (A recursive
# CTE: `WITH RECURSIVE`.)

# %% [markdown]
# ## Part 3 — Anti-join: customers who never ordered (3 points)
#
# > *Interviewer:* "Which customers have never placed an order?"
#
# An anti-join keeps the rows of one table that have *no* match in another.
# Three spellings: `NOT EXISTS (correlated subquery)`, `LEFT JOIN ... WHERE
# right.key IS NULL`, and `NOT IN (subquery)`. The last one has a famous trap:
# if the subquery returns a single NULL, `x NOT IN (...)` is never true, because
# `x <> NULL` is unknown. Our orders table has guest orders with a NULL
# `customer_id`...

# %% tags=["skip-when-grading"]
sql.run("""
SELECT 4 NOT IN (1, 2) AS without_null,
       4 NOT IN (1, 2, NULL) AS with_null,
       NOT EXISTS (SELECT 1 FROM (VALUES (1), (2), (NULL)) AS t(x) WHERE t.x = 4) AS not_exists
""", TINY)

# %% [markdown]
# **After**: what the question wants on the tiny shop (computed in pandas by `m06.never_ordered_reference`).

# %% tags=["skip-when-grading"]
m06.never_ordered_reference(TINY)

# %% [markdown]
# **Contract.** Define `NEVER_ORDERED_SQL` returning `customer_id`, `name` of
# every customer with no row in `orders`. Any row order. (Above: the expected
# result on the tiny shop.)
#
# <details><summary>Hint 1</summary>
#
# You want the customers for whom *no* order row exists. `NOT IN` looks
# tempting: what does it do when the list it compares with holds a NULL?
# </details>
# <details><summary>Hint 2</summary>
#
# `WHERE NOT EXISTS (SELECT 1 FROM orders AS o WHERE o.customer_id = c.customer_id)`.
# </details>

# %% nbgrader={"solution": true, "grade_id": "never_ordered_answer"}
# NEVER_ORDERED_SQL = """SELECT ..."""  (DuckDB SQL, as a string)
### BEGIN SOLUTION
NEVER_ORDERED_SQL = """
SELECT c.customer_id, c.name
FROM customers AS c
WHERE NOT EXISTS (SELECT 1 FROM orders AS o WHERE o.customer_id = c.customer_id)
"""
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "never_ordered_tiny_shop", "points": 1}
"""NEVER_ORDERED_SQL on the tiny shop: Dee and Eve, despite the guest orders' NULL ids."""
sql.check_query(checks.answer("NEVER_ORDERED_SQL"), TINY, m06.never_ordered_reference(TINY),
                what="NEVER_ORDERED_SQL on the tiny shop")
print("NEVER_ORDERED_SQL gives the right rows on the tiny shop")

# %% nbgrader={"grade": true, "grade_id": "never_ordered_matches_pandas", "points": 2}
"""NEVER_ORDERED_SQL on the shipped shop, seeded variations, and a shop where everyone ordered."""
checks.attempted("NEVER_ORDERED_SQL")
### BEGIN HIDDEN TESTS
sql.expect_query("NEVER_ORDERED_SQL", datasets=m06.variations(seed=603, extra=m06.edges("everyone ordered")),
                 reference=m06.never_ordered_reference)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *Which is fastest?* (DuckDB and most planners turn `NOT EXISTS` and the
# `LEFT JOIN ... IS NULL` form into the same anti-join; `NOT IN` is the one to
# avoid.) *And `EXCEPT`?* (Works on whole rows and removes duplicates: fine
# for ids, wrong when duplicates matter.)

# %% [markdown]
# ## Part 4 — Count after a join, keeping the zeros (3 points)
#
# > *Interviewer:* "How many orders did each customer place each month? I want
# > the zeros too: a dashboard needs every customer in every month."
#
# A `GROUP BY` only produces groups that exist. To report zeros you first build
# every cell you want (customers `CROSS JOIN` months), then `LEFT JOIN` the
# facts to it, then count. Count *a column of the right table*: `COUNT(*)`
# counts the row the left join made up for an empty cell, so it says 1 where
# the truth is 0. `COUNT(col)` skips NULLs.

# %% tags=["skip-when-grading"]
sql.run("""
SELECT COUNT(*) AS count_star, COUNT(x) AS count_x
FROM (VALUES (1), (NULL)) AS t(x)
""", TINY)

# %% [markdown]
# **After**: what the question wants on the tiny shop (computed in pandas by `m06.monthly_orders_reference`).

# %% tags=["skip-when-grading"]
m06.monthly_orders_reference(TINY)

# %% [markdown]
# **Contract.** Define `MONTHLY_ORDERS_SQL` returning `customer_id`, `month`,
# `n_orders`: one row for every customer and every month in which the shop had
# at least one order (any customer, guests included). `month` is the first day
# of the month (`date_trunc('month', ordered_at)`, a DATE or a midnight
# TIMESTAMP); `n_orders` the number of that customer's orders placed that
# month, 0 when none. Any row order.
#
# <details><summary>Hint 1</summary>
#
# Months: `SELECT DISTINCT date_trunc('month', ordered_at) FROM orders`.
# </details>
# <details><summary>Hint 2</summary>
#
# `customers CROSS JOIN months LEFT JOIN orders ON <same customer> AND <same month>`, then `COUNT(o.order_id)`.
# </details>

# %% nbgrader={"solution": true, "grade_id": "monthly_orders_answer"}
# MONTHLY_ORDERS_SQL = """SELECT ..."""  (DuckDB SQL, as a string)
### BEGIN SOLUTION
MONTHLY_ORDERS_SQL = """
WITH months AS (SELECT DISTINCT date_trunc('month', ordered_at) AS month FROM orders)
SELECT c.customer_id, m.month, COUNT(o.order_id) AS n_orders
FROM customers AS c
CROSS JOIN months AS m
LEFT JOIN orders AS o
  ON o.customer_id = c.customer_id AND date_trunc('month', o.ordered_at) = m.month
GROUP BY c.customer_id, m.month
"""
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "monthly_orders_tiny_shop", "points": 1}
"""MONTHLY_ORDERS_SQL on the tiny shop: a customer with no order in a month gets 0, not 1."""
sql.check_query(checks.answer("MONTHLY_ORDERS_SQL"), TINY, m06.monthly_orders_reference(TINY),
                what="MONTHLY_ORDERS_SQL on the tiny shop")
print("MONTHLY_ORDERS_SQL gives the right rows on the tiny shop")

# %% nbgrader={"grade": true, "grade_id": "monthly_orders_matches_pandas", "points": 2}
"""MONTHLY_ORDERS_SQL on the shipped shop and on seeded variations of it."""
checks.attempted("MONTHLY_ORDERS_SQL")
### BEGIN HIDDEN TESTS
sql.expect_query("MONTHLY_ORDERS_SQL", datasets=m06.variations(seed=604),
                 reference=m06.monthly_orders_reference)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *Months with no orders at all?* (Generate them: `generate_series` or
# `range` over the first to the last month.) *Sum of revenue instead of a
# count?* (`SUM` over no rows is NULL: wrap it in `COALESCE(..., 0)`.)

# %% [markdown]
# ## Part 5 — NULL-safe filters (3 points)
#
# > *Interviewer:* "Show the guest orders (no customer account) that were not
# > cancelled."
#
# SQL has three truth values. Any comparison with NULL is *unknown*, and
# `WHERE` keeps only *true* rows: `customer_id = NULL` keeps nothing, and
# `status <> 'cancelled'` drops every order whose status is NULL (not yet
# known: certainly not cancelled). Use `IS NULL`, and `IS DISTINCT FROM`
# (NULL-safe not-equal) or an explicit `OR status IS NULL`.

# %% tags=["skip-when-grading"]
sql.run("""
SELECT NULL = NULL AS equals_null,
       NULL <> 'cancelled' AS not_equal,
       NULL IS NULL AS is_null,
       NULL IS DISTINCT FROM 'cancelled' AS is_distinct_from
""", TINY)

# %% [markdown]
# **After**: what the question wants on the tiny shop (computed in pandas by `m06.open_guest_orders_reference`).

# %% tags=["skip-when-grading"]
m06.open_guest_orders_reference(TINY)

# %% [markdown]
# **Contract.** Define `OPEN_GUEST_ORDERS_SQL` returning `order_id`,
# `ordered_at`, `status` of every order whose `customer_id` is NULL and whose
# status is not `'cancelled'` (a NULL status counts as not cancelled). Any row
# order.
#
# <details><summary>Hint 1</summary>
#
# Two conditions, and NULL breaks both of the obvious spellings: `= NULL` is
# never true, and `<> 'cancelled'` is not true when status is NULL.
# </details>
# <details><summary>Hint 2</summary>
#
# `WHERE customer_id IS NULL AND status IS DISTINCT FROM 'cancelled'`.
# </details>

# %% nbgrader={"solution": true, "grade_id": "open_guest_orders_answer"}
# OPEN_GUEST_ORDERS_SQL = """SELECT ..."""  (DuckDB SQL, as a string)
### BEGIN SOLUTION
OPEN_GUEST_ORDERS_SQL = """
SELECT order_id, ordered_at, status
FROM orders
WHERE customer_id IS NULL AND status IS DISTINCT FROM 'cancelled'
"""
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "open_guest_orders_tiny_shop", "points": 1}
"""OPEN_GUEST_ORDERS_SQL on the tiny shop: order 1004 (status NULL) stays in."""
sql.check_query(checks.answer("OPEN_GUEST_ORDERS_SQL"), TINY, m06.open_guest_orders_reference(TINY),
                what="OPEN_GUEST_ORDERS_SQL on the tiny shop")
print("OPEN_GUEST_ORDERS_SQL gives the right rows on the tiny shop")

# %% nbgrader={"grade": true, "grade_id": "open_guest_orders_matches_pandas", "points": 2}
"""OPEN_GUEST_ORDERS_SQL on the shipped shop, seeded variations, and a shop with no guest orders."""
checks.attempted("OPEN_GUEST_ORDERS_SQL")
### BEGIN HIDDEN TESTS
sql.expect_query("OPEN_GUEST_ORDERS_SQL", datasets=m06.variations(seed=605, extra=m06.edges("no guests")),
                 reference=m06.open_guest_orders_reference)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *`NOT IN ('cancelled', NULL)`?* (Never true: same trap as part 3.)
# *Does an index help `IS NULL`?* (In most engines yes; in DuckDB min-max
# zone maps skip blocks with no NULLs.)

# %% [markdown]
# ## Part 6 — Second highest value, NULL when there is none (3 points)
#
# > *Interviewer:* "What is the second highest price in the catalogue?"
#
# The follow-up questions decide the query: *distinct* prices or the second
# row? (Distinct: two products at the top price share first place.) And when
# there is no second price, return a row with NULL, not no row at all. An
# aggregate over zero rows returns one row (`MAX` of nothing is NULL), while
# `ORDER BY ... LIMIT 1 OFFSET 1` returns zero rows, and without `DISTINCT` it
# returns the top price again when it is tied.

# %% tags=["skip-when-grading"]
display(sql.run("SELECT name, price FROM products ORDER BY price DESC NULLS LAST", TINY))
sql.run("""
SELECT (SELECT MAX(x) FROM (VALUES (1)) AS t(x) WHERE x > 5) AS aggregate_of_nothing
""", TINY)

# %% [markdown]
# **After**: what the question wants on the tiny shop (computed in pandas by `m06.second_highest_price_reference`).

# %% tags=["skip-when-grading"]
m06.second_highest_price_reference(TINY)

# %% [markdown]
# **Contract.** Define `SECOND_HIGHEST_PRICE_SQL` returning exactly one row
# with one column `second_highest_price`: the second highest *distinct*
# non-NULL `products.price`, or NULL when there are fewer than two distinct
# prices (including an empty catalogue).
#
# <details><summary>Hint 1</summary>
#
# The largest price below the largest price.
# </details>
# <details><summary>Hint 2</summary>
#
# `SELECT MAX(price) AS second_highest_price FROM products WHERE price < (SELECT MAX(price) FROM products)`.
# </details>

# %% nbgrader={"solution": true, "grade_id": "second_highest_price_answer"}
# SECOND_HIGHEST_PRICE_SQL = """SELECT ..."""  (DuckDB SQL, as a string)
### BEGIN SOLUTION
SECOND_HIGHEST_PRICE_SQL = """
SELECT MAX(price) AS second_highest_price
FROM products
WHERE price < (SELECT MAX(price) FROM products)
"""
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "second_highest_price_tiny_shop", "points": 1}
"""SECOND_HIGHEST_PRICE_SQL on the tiny shop: three products tie at 19.5, so the answer is 12.5."""
sql.check_query(checks.answer("SECOND_HIGHEST_PRICE_SQL"), TINY, m06.second_highest_price_reference(TINY),
                what="SECOND_HIGHEST_PRICE_SQL on the tiny shop")
print("SECOND_HIGHEST_PRICE_SQL gives the right rows on the tiny shop")

# %% nbgrader={"grade": true, "grade_id": "second_highest_price_matches_pandas", "points": 2}
"""SECOND_HIGHEST_PRICE_SQL on the shipped shop, variations, a catalogue with one price and an empty one."""
checks.attempted("SECOND_HIGHEST_PRICE_SQL")
### BEGIN HIDDEN TESTS
sql.expect_query("SECOND_HIGHEST_PRICE_SQL", datasets=m06.variations(seed=606, extra=m06.edges("one price", "no products")),
                 reference=m06.second_highest_price_reference)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *The N-th highest?* (`DENSE_RANK() OVER (ORDER BY price DESC) = N` in a
# subquery, wrapped in a scalar subquery so that "none" is NULL.) *Per
# category?* (Part 8.)

# %% [markdown]
# ## Part 7 — Dense rank with ties (3 points)
#
# > *Interviewer:* "Rank the orders by total; equal totals share a rank, and
# > the next total gets the next rank."
#
# Three ranking functions, one difference: what happens after a tie.
# `ROW_NUMBER` breaks ties arbitrarily, `RANK` leaves gaps (1, 1, 3), and
# `DENSE_RANK` does not (1, 1, 2). The interviewer's "next rank" means
# `DENSE_RANK`. Ask which one they want: it is the whole question.

# %% tags=["skip-when-grading"]
sql.run("""
SELECT total,
       ROW_NUMBER() OVER (ORDER BY total DESC) AS row_number,
       RANK() OVER (ORDER BY total DESC) AS rank,
       DENSE_RANK() OVER (ORDER BY total DESC) AS dense_rank
FROM (VALUES (39.0), (39.0), (37.5), (19.5)) AS t(total)
""", TINY)

# %% [markdown]
# **After**: what the question wants on the tiny shop (computed in pandas by `m06.order_total_rank_reference`).

# %% tags=["skip-when-grading"]
m06.order_total_rank_reference(TINY)

# %% [markdown]
# **Contract.** Define `ORDER_TOTAL_RANK_SQL` returning `order_id`,
# `order_total`, `total_rank`: one row per order that has order lines;
# `order_total` is the sum of `quantity * unit_price` over its lines;
# `total_rank` is 1 for the largest total, equal totals share a rank, and the
# next smaller total gets the next integer (no gaps). Any row order.
#
# <details><summary>Hint 1</summary>
#
# Totals first (a CTE with `GROUP BY order_id`), then a window over them.
# </details>
# <details><summary>Hint 2</summary>
#
# `DENSE_RANK() OVER (ORDER BY order_total DESC)`.
# </details>

# %% nbgrader={"solution": true, "grade_id": "order_total_rank_answer"}
# ORDER_TOTAL_RANK_SQL = """SELECT ..."""  (DuckDB SQL, as a string)
### BEGIN SOLUTION
ORDER_TOTAL_RANK_SQL = """
WITH totals AS (
  SELECT order_id, SUM(quantity * unit_price) AS order_total
  FROM order_items
  GROUP BY order_id
)
SELECT order_id, order_total, DENSE_RANK() OVER (ORDER BY order_total DESC) AS total_rank
FROM totals
"""
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "order_total_rank_tiny_shop", "points": 1}
"""ORDER_TOTAL_RANK_SQL on the tiny shop: orders 1003 and 1006 tie at 39.0; 1001 comes next with rank 3."""
sql.check_query(checks.answer("ORDER_TOTAL_RANK_SQL"), TINY, m06.order_total_rank_reference(TINY),
                what="ORDER_TOTAL_RANK_SQL on the tiny shop")
print("ORDER_TOTAL_RANK_SQL gives the right rows on the tiny shop")

# %% nbgrader={"grade": true, "grade_id": "order_total_rank_matches_pandas", "points": 2}
"""ORDER_TOTAL_RANK_SQL on the shipped shop and on seeded variations (full of ties)."""
checks.attempted("ORDER_TOTAL_RANK_SQL")
### BEGIN HIDDEN TESTS
sql.expect_query("ORDER_TOTAL_RANK_SQL", datasets=m06.variations(seed=607),
                 reference=m06.order_total_rank_reference)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *Why are the prices multiples of 0.5?* (So that sums tie exactly: with
# prices like 9.99, floating-point sums in a different order can differ in the
# last bit and break a tie; real systems store money as DECIMAL or cents.)

# %% [markdown]
# ## Part 8 — Top N per group (3 points)
#
# > *Interviewer:* "The two best-selling products in each category."
#
# A window function with `PARTITION BY category` ranks within each category;
# without it, the ranking is global and small categories vanish. Then filter
# the rank in an outer query (a window cannot be used in `WHERE`; DuckDB also
# has `QUALIFY`). And the tie rule matters again: a product tied with the
# second one is usually kept (`RANK() <= 2`); `ROW_NUMBER` would drop one of
# them at random. NULL is a group of its own for `PARTITION BY`.

# %% tags=["skip-when-grading"]
sql.run("""
SELECT p.category, i.product_id, SUM(i.quantity) AS units_sold
FROM order_items AS i JOIN products AS p ON p.product_id = i.product_id
GROUP BY ALL
ORDER BY p.category, units_sold DESC
""", TINY)

# %% [markdown]
# **After**: what the question wants on the tiny shop (computed in pandas by `m06.top_products_reference`).

# %% tags=["skip-when-grading"]
m06.top_products_reference(TINY)

# %% [markdown]
# **Contract.** Define `TOP_PRODUCTS_SQL` returning `category`, `product_id`,
# `units_sold` (the sum of `quantity` over the product's order lines), for the
# products that sold at least one line and for which *fewer than two products
# of the same category sold strictly more units* (so ties at second place are
# all kept). Products with a NULL category form one group of their own. Any
# row order.
#
# <details><summary>Hint 1</summary>
#
# `RANK() OVER (PARTITION BY category ORDER BY units_sold DESC)` over the per-product sums.
# </details>
# <details><summary>Hint 2</summary>
#
# Filter `WHERE sales_rank <= 2` in an outer query (or `QUALIFY`).
# </details>

# %% nbgrader={"solution": true, "grade_id": "top_products_answer"}
# TOP_PRODUCTS_SQL = """SELECT ..."""  (DuckDB SQL, as a string)
### BEGIN SOLUTION
TOP_PRODUCTS_SQL = """
WITH units AS (
  SELECT p.category, p.product_id, SUM(i.quantity) AS units_sold
  FROM order_items AS i
  JOIN products AS p ON p.product_id = i.product_id
  GROUP BY p.category, p.product_id
), ranked AS (
  SELECT *, RANK() OVER (PARTITION BY category ORDER BY units_sold DESC) AS sales_rank
  FROM units
)
SELECT category, product_id, units_sold
FROM ranked
WHERE sales_rank <= 2
"""
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "top_products_tiny_shop", "points": 1}
"""TOP_PRODUCTS_SQL on the tiny shop: books 101 and 106 tie for second and are both kept."""
sql.check_query(checks.answer("TOP_PRODUCTS_SQL"), TINY, m06.top_products_reference(TINY),
                what="TOP_PRODUCTS_SQL on the tiny shop")
print("TOP_PRODUCTS_SQL gives the right rows on the tiny shop")

# %% nbgrader={"grade": true, "grade_id": "top_products_matches_pandas", "points": 2}
"""TOP_PRODUCTS_SQL on the shipped shop and on seeded variations of it."""
checks.attempted("TOP_PRODUCTS_SQL")
### BEGIN HIDDEN TESTS
sql.expect_query("TOP_PRODUCTS_SQL", datasets=m06.variations(seed=608),
                 reference=m06.top_products_reference)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *Exactly two per category, ties broken by product id?* (`ROW_NUMBER()
# OVER (PARTITION BY category ORDER BY units_sold DESC, product_id)`.) *On a
# billion rows?* (Ranking needs each partition sorted; a top-k heap per group,
# as `max_by(x, y, 2)` or `arg_max` in DuckDB, avoids the full sort.)

# %% [markdown]
# ## Part 9 — LAG and streaks (gaps and islands) (3 points)
#
# > *Interviewer:* "For each user, the longest run of consecutive days on which
# > they were active."
#
# The *gaps and islands* pattern: reduce to one row per user and day (a user
# with five events on a day is active once), look at the previous day with
# `LAG(day) OVER (PARTITION BY user_id ORDER BY day)`, mark a row as the start
# of a new streak when the previous day is not yesterday, and number the
# streaks with a running `SUM` of the marks. Then count days per streak.

# %% tags=["skip-when-grading"]
sql.run("""
SELECT DISTINCT user_id, CAST(event_time AS DATE) AS day,
       LAG(CAST(event_time AS DATE)) OVER (PARTITION BY user_id ORDER BY event_time) AS previous_event_day
FROM events
WHERE user_id = 1
ORDER BY day
""", TINY)

# %% [markdown]
# **After**: what the question wants on the tiny shop (computed in pandas by `m06.longest_streak_reference`).

# %% tags=["skip-when-grading"]
m06.longest_streak_reference(TINY)

# %% [markdown]
# **Contract.** Define `LONGEST_STREAK_SQL` returning `user_id`,
# `longest_streak`: one row per non-NULL `user_id` in `events`; the largest
# number of consecutive calendar days (of `event_time`) on each of which the
# user has at least one event. A user active on one day only has 1. Any row
# order.
#
# <details><summary>Hint 1</summary>
#
# `SELECT DISTINCT user_id, CAST(event_time AS DATE) AS day` first.
# </details>
# <details><summary>Hint 2</summary>
#
# In DuckDB, `day - 1` is the day before; `CASE WHEN LAG(day) OVER (...) = day - 1 THEN 0 ELSE 1 END` marks streak starts.
# </details>
# <details><summary>Hint 3</summary>
#
# Alternative: `day - ROW_NUMBER() OVER (...)` is constant along a streak.
# </details>

# %% nbgrader={"solution": true, "grade_id": "longest_streak_answer"}
# LONGEST_STREAK_SQL = """SELECT ..."""  (DuckDB SQL, as a string)
### BEGIN SOLUTION
LONGEST_STREAK_SQL = """
WITH days AS (
  SELECT DISTINCT user_id, CAST(event_time AS DATE) AS day
  FROM events
  WHERE user_id IS NOT NULL
), starts AS (
  SELECT user_id, day,
         CASE WHEN LAG(day) OVER (PARTITION BY user_id ORDER BY day) = day - 1
              THEN 0 ELSE 1 END AS starts_streak
  FROM days
), streaks AS (
  SELECT user_id, day,
         SUM(starts_streak) OVER (PARTITION BY user_id ORDER BY day) AS streak_id
  FROM starts
)
SELECT user_id, MAX(n_days) AS longest_streak
FROM (SELECT user_id, streak_id, COUNT(*) AS n_days FROM streaks GROUP BY user_id, streak_id)
GROUP BY user_id
"""
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "longest_streak_tiny_shop", "points": 1}
"""LONGEST_STREAK_SQL on the tiny shop: user 1 is active March 1, 2, 3 and 5, a streak of 3."""
sql.check_query(checks.answer("LONGEST_STREAK_SQL"), TINY, m06.longest_streak_reference(TINY),
                what="LONGEST_STREAK_SQL on the tiny shop")
print("LONGEST_STREAK_SQL gives the right rows on the tiny shop")

# %% nbgrader={"grade": true, "grade_id": "longest_streak_matches_pandas", "points": 2}
"""LONGEST_STREAK_SQL on the shipped shop and on seeded variations of it."""
checks.attempted("LONGEST_STREAK_SQL")
### BEGIN HIDDEN TESTS
sql.expect_query("LONGEST_STREAK_SQL", datasets=m06.variations(seed=609),
                 reference=m06.longest_streak_reference)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *LEAD instead of LAG?* (Mark streak *ends*; same result.) *Current streak
# only?* (The island that contains today.) *Time zones?* (A "day" depends on
# the user's zone: convert before casting to DATE.)

# %% [markdown]
# ## Part 10 — Moving windows over calendar days (3 points)
#
# > *Interviewer:* "Daily revenue, and the revenue over the last 7 days."
#
# A window frame can count *rows* or a *range of values*. `ROWS BETWEEN 6
# PRECEDING AND CURRENT ROW` is the last 7 rows: with days missing (the shop
# was closed), 7 rows can span two weeks. `RANGE BETWEEN INTERVAL 6 DAYS
# PRECEDING AND CURRENT ROW` is the last 7 calendar days, whatever is missing.

# %% tags=["skip-when-grading"]
sql.run("""
SELECT d, x,
       SUM(x) OVER (ORDER BY d ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS last_2_rows,
       SUM(x) OVER (ORDER BY d RANGE BETWEEN INTERVAL 1 DAY PRECEDING AND CURRENT ROW) AS last_2_days
FROM (VALUES (DATE '2024-03-01', 1), (DATE '2024-03-02', 10), (DATE '2024-03-05', 100)) AS t(d, x)
""", TINY)

# %% [markdown]
# **After**: what the question wants on the tiny shop (computed in pandas by `m06.revenue_7d_reference`).

# %% tags=["skip-when-grading"]
m06.revenue_7d_reference(TINY)

# %% [markdown]
# **Contract.** Define `REVENUE_7D_SQL` returning `order_date`, `revenue`,
# `revenue_7d`: one row per calendar day (`CAST(ordered_at AS DATE)`) with at
# least one order line; `revenue` is that day's sum of `quantity *
# unit_price`, whatever the order's status; `revenue_7d` is the sum of
# `revenue` over that day and the 6 calendar days before it. Any row order.
#
# <details><summary>Hint 1</summary>
#
# First one row per day, then a window over those rows. A window counted
# in *rows* and one counted in *days* differ exactly on the days with no orders.
# </details>
# <details><summary>Hint 2</summary>
#
# Daily revenue in a CTE; then `SUM(revenue) OVER (ORDER BY order_date RANGE BETWEEN ...)`.
# </details>

# %% nbgrader={"solution": true, "grade_id": "revenue_7d_answer"}
# REVENUE_7D_SQL = """SELECT ..."""  (DuckDB SQL, as a string)
### BEGIN SOLUTION
REVENUE_7D_SQL = """
WITH daily AS (
  SELECT CAST(o.ordered_at AS DATE) AS order_date, SUM(i.quantity * i.unit_price) AS revenue
  FROM order_items AS i
  JOIN orders AS o ON o.order_id = i.order_id
  GROUP BY 1
)
SELECT order_date, revenue,
       SUM(revenue) OVER (ORDER BY order_date
                          RANGE BETWEEN INTERVAL 6 DAYS PRECEDING AND CURRENT ROW) AS revenue_7d
FROM daily
"""
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "revenue_7d_tiny_shop", "points": 1}
"""REVENUE_7D_SQL on the tiny shop: on March 9 the last 7 days hold March 5 and 9 only (26.0)."""
sql.check_query(checks.answer("REVENUE_7D_SQL"), TINY, m06.revenue_7d_reference(TINY),
                what="REVENUE_7D_SQL on the tiny shop")
print("REVENUE_7D_SQL gives the right rows on the tiny shop")

# %% nbgrader={"grade": true, "grade_id": "revenue_7d_matches_pandas", "points": 2}
"""REVENUE_7D_SQL on the shipped shop (with a closed week) and on seeded variations."""
checks.attempted("REVENUE_7D_SQL")
### BEGIN HIDDEN TESTS
sql.expect_query("REVENUE_7D_SQL", datasets=m06.variations(seed=610),
                 reference=m06.revenue_7d_reference)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *A 7-day average?* (Divide by 7, not by the number of rows: missing days
# are zero-revenue days.) *Every calendar day, closed ones too?* (Generate the
# days and left join, as in part 4.)

# %% [markdown]
# ## Part 11 — Relational division: customers who bought from every category (3 points)
#
# > *Interviewer:* "Which customers have bought from every category?"
#
# "For every" questions are *relational division*. Two classic answers: count
# (`HAVING COUNT(DISTINCT category) = (SELECT COUNT(DISTINCT category) FROM
# products)`) or double negation (there is no category the customer has not
# bought from: `NOT EXISTS ... NOT EXISTS`). Never type the number of
# categories into the query: it is today's number. `COUNT(DISTINCT category)`
# ignores NULL, as it should: "no category" is not a category.

# %% tags=["skip-when-grading"]
sql.run("""
SELECT COUNT(DISTINCT category) AS n_categories,
       COUNT(category) AS n_products_with_a_category,
       COUNT(*) AS n_products
FROM products
""", TINY)

# %% [markdown]
# **After**: what the question wants on the tiny shop (computed in pandas by `m06.every_category_reference`).

# %% tags=["skip-when-grading"]
m06.every_category_reference(TINY)

# %% [markdown]
# **Contract.** Define `EVERY_CATEGORY_SQL` returning one column `customer_id`:
# each customer (non-NULL `orders.customer_id`) who has at least one order line
# of a product in every non-NULL category of `products`, once each. Any row
# order. The catalogue has at least one category.
#
# <details><summary>Hint 1</summary>
#
# Join orders, order lines and products; group by customer.
# </details>
# <details><summary>Hint 2</summary>
#
# `HAVING COUNT(DISTINCT p.category) = (SELECT COUNT(DISTINCT category) FROM products)`.
# </details>

# %% nbgrader={"solution": true, "grade_id": "every_category_answer"}
# EVERY_CATEGORY_SQL = """SELECT ..."""  (DuckDB SQL, as a string)
### BEGIN SOLUTION
EVERY_CATEGORY_SQL = """
SELECT o.customer_id
FROM orders AS o
JOIN order_items AS i ON i.order_id = o.order_id
JOIN products AS p ON p.product_id = i.product_id
WHERE o.customer_id IS NOT NULL AND p.category IS NOT NULL
GROUP BY o.customer_id
HAVING COUNT(DISTINCT p.category) = (SELECT COUNT(DISTINCT category) FROM products)
"""
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "every_category_tiny_shop", "points": 1}
"""EVERY_CATEGORY_SQL on the tiny shop: Ada and Cy bought books and toys; Ben only books."""
sql.check_query(checks.answer("EVERY_CATEGORY_SQL"), TINY, m06.every_category_reference(TINY),
                what="EVERY_CATEGORY_SQL on the tiny shop")
print("EVERY_CATEGORY_SQL gives the right rows on the tiny shop")

# %% nbgrader={"grade": true, "grade_id": "every_category_matches_pandas", "points": 2}
"""EVERY_CATEGORY_SQL on the shipped shop and on variations with another number of categories."""
checks.attempted("EVERY_CATEGORY_SQL")
### BEGIN HIDDEN TESTS
sql.expect_query("EVERY_CATEGORY_SQL", datasets=m06.variations(seed=611),
                 reference=m06.every_category_reference)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *Division with a remainder vs exact division?* ("Bought from every category
# and nothing else": compare with `=` on both counts.) *Cancelled orders?* (Ask
# whether they count; here they do.)

# %% [markdown]
# ## Part 12 — Sessionisation (3 points)
#
# > *Interviewer:* "Split each user's clicks into sessions: a new session starts
# > after more than 30 minutes of inactivity."
#
# The same idea as streaks, on timestamps: the gap to the previous event
# (`event_time - LAG(event_time)`), a 1 where a session starts (the first event,
# or a gap of *more than* 30 minutes), and a running `SUM` of those marks
# numbers the sessions. Two details: a gap of exactly 30 minutes stays in the
# session, and duplicate events (the tracker fired twice) have a gap of zero:
# keep the running sum's default frame, which gives rows with the same
# timestamp the same number.

# %% tags=["skip-when-grading"]
sql.run("""
SELECT user_id, event_time, event_type,
       event_time - LAG(event_time) OVER (PARTITION BY user_id ORDER BY event_time) AS gap
FROM events
WHERE user_id IN (1, 2)
ORDER BY user_id, event_time
""", TINY)

# %% [markdown]
# **After**: what the question wants on the tiny shop (computed in pandas by `m06.sessions_reference`).

# %% tags=["skip-when-grading"]
m06.sessions_reference(TINY)

# %% [markdown]
# **Contract.** Define `SESSIONS_SQL` returning `user_id`, `session_number`,
# `session_start`, `session_end`, `n_events`: one row per session of each
# non-NULL `user_id`. A user's first event starts session 1; each event more
# than 30 minutes after the user's previous event starts the next session
# (exactly 30 minutes does not). `session_start`/`session_end` are the first
# and last `event_time`, `n_events` the number of event rows (duplicates
# included). Any row order.
#
# <details><summary>Hint 1</summary>
#
# `CASE WHEN event_time - LAG(event_time) OVER w <= INTERVAL 30 MINUTE THEN 0 ELSE 1 END` (the first event's gap is NULL: 1).
# </details>
# <details><summary>Hint 2</summary>
#
# `SUM(mark) OVER (PARTITION BY user_id ORDER BY event_time)`, then `GROUP BY user_id, session_number`.
# </details>

# %% nbgrader={"solution": true, "grade_id": "sessions_answer"}
# SESSIONS_SQL = """SELECT ..."""  (DuckDB SQL, as a string)
### BEGIN SOLUTION
SESSIONS_SQL = """
WITH marked AS (
  SELECT user_id, event_time,
         CASE WHEN event_time - LAG(event_time) OVER (PARTITION BY user_id ORDER BY event_time)
                   <= INTERVAL 30 MINUTE
              THEN 0 ELSE 1 END AS starts_session
  FROM events
  WHERE user_id IS NOT NULL
), numbered AS (
  SELECT *, SUM(starts_session) OVER (PARTITION BY user_id ORDER BY event_time) AS session_number
  FROM marked
)
SELECT user_id, session_number, MIN(event_time) AS session_start,
       MAX(event_time) AS session_end, COUNT(*) AS n_events
FROM numbered
GROUP BY user_id, session_number
"""
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "sessions_tiny_shop", "points": 1}
"""SESSIONS_SQL on the tiny shop: a 30-minute gap stays in the session, a 31-minute one does not."""
sql.check_query(checks.answer("SESSIONS_SQL"), TINY, m06.sessions_reference(TINY),
                what="SESSIONS_SQL on the tiny shop")
print("SESSIONS_SQL gives the right rows on the tiny shop")

# %% nbgrader={"grade": true, "grade_id": "sessions_matches_pandas", "points": 2}
"""SESSIONS_SQL on the shipped shop and on seeded variations of it."""
checks.attempted("SESSIONS_SQL")
### BEGIN HIDDEN TESTS
sql.expect_query("SESSIONS_SQL", datasets=m06.variations(seed=612),
                 reference=m06.sessions_reference)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *Sessions that cross midnight?* (Nothing changes: the gap is on
# timestamps.) *Streaming?* (Session windows in Flink or Spark keep a window
# open per user until 30 idle minutes pass.)

# %% [markdown]
# ## Part 13 — A funnel (3 points)
#
# > *Interviewer:* "How many users viewed a product, then added to cart, then
# > checked out, then purchased?"
#
# A funnel counts *distinct users*, not events (a user who views ten products
# is one viewer; duplicate events must not count twice). A user counts at a
# step only if they also reached every earlier step: someone who arrived by a
# direct add-to-cart link never viewed, so they are not in the funnel's second
# step. And every step appears, even with 0 users: start from a table of the
# steps (`VALUES`) and left join.

# %% tags=["skip-when-grading"]
sql.run("""
SELECT user_id, list(DISTINCT event_type ORDER BY event_type) AS event_types
FROM events
GROUP BY user_id
ORDER BY user_id
""", TINY)

# %% [markdown]
# **After**: what the question wants on the tiny shop (computed in pandas by `m06.funnel_reference`).

# %% tags=["skip-when-grading"]
m06.funnel_reference(TINY)

# %% [markdown]
# **Contract.** Define `FUNNEL_SQL` returning `step`, `event_type`, `n_users`,
# exactly four rows **ordered by `step`**: (1, 'view'), (2, 'add_to_cart'), (3,
# 'checkout'), (4, 'purchase'). `n_users` is the number of distinct non-NULL
# `user_id` with at least one event of that step's type *and* of every earlier
# step's type (at any time; order in time is not required), 0 when none.
#
# <details><summary>Hint 1</summary>
#
# Per user, a flag per step: `bool_or(event_type = 'view') AS viewed`, ...
# </details>
# <details><summary>Hint 2</summary>
#
# Then `COUNT(*) FILTER (WHERE viewed AND carted)`, and so on, one `UNION ALL` row per step.
# </details>

# %% nbgrader={"solution": true, "grade_id": "funnel_answer"}
# FUNNEL_SQL = """SELECT ..."""  (DuckDB SQL, as a string)
### BEGIN SOLUTION
FUNNEL_SQL = """
WITH steps(step, event_type) AS (
  VALUES (1, 'view'), (2, 'add_to_cart'), (3, 'checkout'), (4, 'purchase')
), user_steps AS (
  SELECT DISTINCT e.user_id, s.step
  FROM events AS e
  JOIN steps AS s ON s.event_type = e.event_type
  WHERE e.user_id IS NOT NULL
), reached AS (
  SELECT u.user_id, u.step
  FROM user_steps AS u
  WHERE (SELECT COUNT(*) FROM user_steps AS v
         WHERE v.user_id = u.user_id AND v.step <= u.step) = u.step
)
SELECT s.step, s.event_type, COUNT(r.user_id) AS n_users
FROM steps AS s
LEFT JOIN reached AS r ON r.step = s.step
GROUP BY s.step, s.event_type
ORDER BY s.step
"""
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "funnel_tiny_shop", "points": 1}
"""FUNNEL_SQL on the tiny shop: user 3 never viewed, so only users 1 and 2 are in step 2."""
sql.check_query(checks.answer("FUNNEL_SQL"), TINY, m06.funnel_reference(TINY),
                what="FUNNEL_SQL on the tiny shop", ordered=True)
print("FUNNEL_SQL gives the right rows on the tiny shop")

# %% nbgrader={"grade": true, "grade_id": "funnel_matches_pandas", "points": 2}
"""FUNNEL_SQL on the shipped shop and on seeded variations, row order checked."""
checks.attempted("FUNNEL_SQL")
### BEGIN HIDDEN TESTS
sql.expect_query("FUNNEL_SQL", datasets=m06.variations(seed=613),
                 reference=m06.funnel_reference, ordered=True)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *In time order, within a session?* (Join each step to the previous step's
# first time: `MIN(event_time)` per user and step, with `>=`.) *Conversion
# rates?* (`n_users / LAG(n_users) OVER (ORDER BY step)`, and the first step
# over all visitors.)

# %% [markdown]
# ## Part 14 — As-of join: features as of the order time (3 points)
#
# > *Interviewer:* "For a churn model, attach to each order the customer's
# > features as they were *when the order was placed*."
#
# This is the join every feature store does (a *point-in-time* join): for each
# label row, the latest feature snapshot at or before the label's time. Taking
# the latest snapshot overall leaks the future into training data, and the
# model looks better offline than it will ever be online. An inner join drops
# orders placed before the first snapshot; they must stay, with NULL features.
# DuckDB has `ASOF LEFT JOIN ... ON a.key = b.key AND a.time >= b.time`; a
# window over a left join works anywhere.

# %% tags=["skip-when-grading"]
display(sql.run("SELECT order_id, customer_id, ordered_at FROM orders WHERE customer_id IN (1, 2) ORDER BY ordered_at", TINY))
sql.run("SELECT * FROM customer_features WHERE customer_id IN (1, 2) ORDER BY computed_at", TINY)

# %% [markdown]
# **After**: what the question wants on the tiny shop (computed in pandas by `m06.features_asof_reference`).

# %% tags=["skip-when-grading"]
m06.features_asof_reference(TINY)

# %% [markdown]
# **Contract.** Define `FEATURES_ASOF_SQL` returning `order_id`,
# `customer_id`, `orders_90d`, `spend_90d`: one row per order with a non-NULL
# `customer_id`; the features come from that customer's snapshot in
# `customer_features` with the latest `computed_at` that is `<=` the order's
# `ordered_at` (a snapshot taken at exactly the order time counts), NULL when
# there is none. Any row order.
#
# <details><summary>Hint 1</summary>
#
# `FROM orders AS o ASOF LEFT JOIN customer_features AS f ON f.customer_id = o.customer_id AND f.computed_at <= o.ordered_at`.
# </details>
# <details><summary>Hint 2</summary>
#
# Or: left join every earlier snapshot and keep `ROW_NUMBER() OVER (PARTITION BY o.order_id ORDER BY f.computed_at DESC) = 1`.
# </details>

# %% nbgrader={"solution": true, "grade_id": "features_asof_answer"}
# FEATURES_ASOF_SQL = """SELECT ..."""  (DuckDB SQL, as a string)
### BEGIN SOLUTION
FEATURES_ASOF_SQL = """
SELECT o.order_id, o.customer_id, f.orders_90d, f.spend_90d
FROM orders AS o
ASOF LEFT JOIN customer_features AS f
  ON f.customer_id = o.customer_id AND f.computed_at <= o.ordered_at
WHERE o.customer_id IS NOT NULL
"""
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "features_asof_tiny_shop", "points": 1}
"""FEATURES_ASOF_SQL on the tiny shop: Ben's only snapshot comes after his order (NULL); Ada's 1008 takes March 5."""
sql.check_query(checks.answer("FEATURES_ASOF_SQL"), TINY, m06.features_asof_reference(TINY),
                what="FEATURES_ASOF_SQL on the tiny shop")
print("FEATURES_ASOF_SQL gives the right rows on the tiny shop")

# %% nbgrader={"grade": true, "grade_id": "features_asof_matches_pandas", "points": 2}
"""FEATURES_ASOF_SQL on the shipped shop and on seeded variations of it."""
checks.attempted("FEATURES_ASOF_SQL")
### BEGIN HIDDEN TESTS
sql.expect_query("FEATURES_ASOF_SQL", datasets=m06.variations(seed=614),
                 reference=m06.features_asof_reference)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *Snapshots computed with a delay?* (Join on the time the feature became
# *available*, not the time it describes.) *Strictly before?* (When the label
# itself feeds the features, use `<` to avoid leaking the order into its own
# features: ask.)

# %% [markdown]
# ## What next
#
# The same questions come back in pandas (module 5) and in system design (module
# 7: where features are computed and how the as-of join is served online). In an
# interview, say the contract out loud before you write the query: "one row per
# customer, zeros included, any order", and ask what NULL means in each column.
