-- GROUP BY shapes: ROLLUP, CUBE, GROUPING SETS, grouping(), ordinal and expression groups.

-- name: group_rollup
SELECT l_returnflag, l_linestatus, count(*) AS n, sum(l_quantity) AS qty
FROM sales.lineitem GROUP BY ROLLUP (l_returnflag, l_linestatus)
ORDER BY l_returnflag NULLS LAST, l_linestatus NULLS LAST

-- name: group_cube
SELECT o_orderstatus, o_orderpriority, count(*) AS n
FROM sales.orders GROUP BY CUBE (o_orderstatus, o_orderpriority)
ORDER BY o_orderstatus NULLS FIRST, o_orderpriority NULLS FIRST

-- name: group_grouping_sets
SELECT c_mktsegment, c_nationkey, count(*) AS n
FROM customers.customer GROUP BY GROUPING SETS ((c_mktsegment), (c_nationkey), ())
ORDER BY c_mktsegment NULLS LAST, c_nationkey NULLS LAST

-- name: group_grouping_function
SELECT l_shipmode, grouping(l_shipmode) AS is_total, count(*) AS n
FROM sales.lineitem GROUP BY ROLLUP (l_shipmode) ORDER BY is_total, l_shipmode

-- name: group_by_ordinal
SELECT o_orderpriority, o_orderstatus, count(*) AS n FROM sales.orders GROUP BY 1, 2 ORDER BY 1, 2

-- name: group_by_expression
SELECT extract(year FROM o_orderdate) AS yr, count(*) AS n, sum(o_totalprice) AS total
FROM sales.orders GROUP BY extract(year FROM o_orderdate) ORDER BY yr

-- name: group_by_case
SELECT CASE WHEN p_size < 10 THEN 'small' WHEN p_size < 30 THEN 'medium' ELSE 'large' END AS size_class,
       count(*) AS n
FROM supply.part GROUP BY 1 ORDER BY 1

-- name: group_having_avg
SELECT p_type, avg(p_retailprice) AS avg_price FROM supply.part
GROUP BY p_type HAVING avg(p_retailprice) > 1550 ORDER BY p_type
