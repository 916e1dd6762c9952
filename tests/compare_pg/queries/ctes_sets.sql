-- Common table expressions (recursive too) and set operations.

-- name: cte_simple
WITH big AS (SELECT o_custkey, sum(o_totalprice) AS total FROM sales.orders GROUP BY o_custkey)
SELECT count(*) AS customers, max(total) AS top FROM big WHERE total > 2000000

-- name: cte_two_levels
WITH per_nation AS (
  SELECT c_nationkey, count(*) AS n FROM customers.customer GROUP BY c_nationkey),
ranked AS (SELECT c_nationkey, n, rank() OVER (ORDER BY n DESC) AS r FROM per_nation)
SELECT n_name, n, r FROM ranked JOIN customers.nation ON n_nationkey = c_nationkey
WHERE r <= 5 ORDER BY r, n_name

-- name: cte_recursive_counter
WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 10)
SELECT n, n * n AS square FROM t ORDER BY n

-- name: cte_recursive_dates
WITH RECURSIVE months(d) AS (
  SELECT DATE '1995-01-01' UNION ALL SELECT CAST(d + INTERVAL '1 month' AS date) FROM months WHERE d < DATE '1995-06-01')
SELECT d FROM months ORDER BY d

-- name: set_union
SELECT n_name AS name FROM customers.nation WHERE n_regionkey = 0
UNION SELECT r_name FROM customers.region

-- name: set_union_all
SELECT o_orderstatus AS s FROM sales.orders WHERE o_orderkey < 100
UNION ALL SELECT l_linestatus FROM sales.lineitem WHERE l_orderkey < 20

-- name: set_intersect
SELECT o_custkey FROM sales.orders WHERE o_orderpriority = '1-URGENT'
INTERSECT SELECT o_custkey FROM sales.orders WHERE o_orderpriority = '5-LOW'

-- name: set_except
SELECT c_custkey FROM customers.customer EXCEPT SELECT o_custkey FROM sales.orders

-- name: set_intersect_all
SELECT l_returnflag FROM sales.lineitem WHERE l_orderkey < 200
INTERSECT ALL SELECT l_returnflag FROM sales.lineitem WHERE l_orderkey BETWEEN 100 AND 300

-- name: set_except_all
SELECT l_linestatus FROM sales.lineitem WHERE l_orderkey < 100
EXCEPT ALL SELECT l_linestatus FROM sales.lineitem WHERE l_orderkey < 50

-- name: set_union_order_limit
SELECT n_name AS name, 'nation' AS kind FROM customers.nation
UNION ALL SELECT r_name, 'region' FROM customers.region ORDER BY name, kind LIMIT 7

-- name: set_counts_by_kind
SELECT kind, count(*) AS n FROM (
  SELECT 'order' AS kind FROM sales.orders UNION ALL SELECT 'line' FROM sales.lineitem) t
GROUP BY kind ORDER BY kind
