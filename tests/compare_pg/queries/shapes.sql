-- Query shapes: ORDER BY with NULLS FIRST/LAST, LIMIT/OFFSET, FETCH FIRST, DISTINCT (ON),
-- VALUES lists, generate_series, literals.

-- name: shape_order_nulls_first
SELECT v FROM (VALUES (1), (NULL), (3)) AS t(v) ORDER BY v NULLS FIRST

-- name: shape_order_desc_default_nulls
SELECT v FROM (VALUES (1), (NULL), (3)) AS t(v) ORDER BY v DESC

-- name: shape_order_nulls_last_asc_default
SELECT v FROM (VALUES ('b'), (NULL), ('a')) AS t(v) ORDER BY v

-- name: shape_limit_offset
SELECT o_orderkey FROM sales.orders ORDER BY o_orderkey LIMIT 5 OFFSET 10

-- name: shape_fetch_first
SELECT o_orderkey FROM sales.orders ORDER BY o_totalprice DESC, o_orderkey FETCH FIRST 3 ROWS ONLY

-- name: shape_offset_fetch_next
SELECT n_name FROM customers.nation ORDER BY n_name OFFSET 2 ROWS FETCH NEXT 2 ROWS ONLY

-- name: shape_distinct
SELECT DISTINCT l_shipmode FROM sales.lineitem

-- name: shape_distinct_on
SELECT DISTINCT ON (c_nationkey) c_nationkey, c_custkey, c_acctbal
FROM customers.customer ORDER BY c_nationkey, c_acctbal DESC, c_custkey

-- name: shape_values
SELECT * FROM (VALUES (1, 'one'), (2, 'two'), (3, 'three')) AS v(id, name) ORDER BY id

-- name: shape_values_join
SELECT v.code, n.n_name FROM (VALUES ('FR', 6), ('DE', 7)) AS v(code, key)
JOIN customers.nation n ON n.n_nationkey = v.key ORDER BY v.code

-- name: shape_generate_series_alias
SELECT g FROM generate_series(1, 5) g ORDER BY g

-- name: shape_generate_series_column_alias
SELECT x * 2 AS doubled FROM generate_series(1, 4) AS t(x) ORDER BY doubled

-- name: shape_generate_series_step
SELECT * FROM generate_series(10, 0, -3) ORDER BY 1 DESC

-- name: shape_select_constants
SELECT 1 AS one, 'text' AS t, 2.5 AS num, TRUE AS b, NULL::int AS nothing

-- name: shape_unnamed_columns
SELECT count(*), max(n_name), n_regionkey + 1 FROM customers.nation GROUP BY n_regionkey ORDER BY 3

-- name: shape_in_list
SELECT count(*) AS n FROM sales.orders WHERE o_orderpriority IN ('1-URGENT', '2-HIGH')

-- name: shape_is_distinct_from
SELECT count(*) FILTER (WHERE v IS DISTINCT FROM 1) AS d, count(*) FILTER (WHERE v IS NOT DISTINCT FROM NULL) AS nd
FROM (VALUES (1), (NULL), (2)) AS t(v)

-- name: shape_boolean_output
SELECT n_nationkey, n_nationkey > 10 AS big FROM customers.nation WHERE n_nationkey IN (1, 20) ORDER BY 1

-- name: shape_tpch_q1
SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price,
       sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
       avg(l_quantity) AS avg_qty, avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc,
       count(*) AS count_order
FROM sales.lineitem WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL '90 days'
GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus

-- name: shape_tpch_q3
SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue, o_orderdate, o_shippriority
FROM customers.customer, sales.orders, sales.lineitem
WHERE c_mktsegment = 'BUILDING' AND c_custkey = o_custkey AND l_orderkey = o_orderkey
  AND o_orderdate < DATE '1995-03-15' AND l_shipdate > DATE '1995-03-15'
GROUP BY l_orderkey, o_orderdate, o_shippriority ORDER BY revenue DESC, o_orderdate, l_orderkey LIMIT 10
