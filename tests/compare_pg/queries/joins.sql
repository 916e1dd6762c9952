-- Joins of every kind across the three domains, LATERAL, correlated subqueries, EXISTS/IN/ANY.

-- name: join_inner_three_domains
SELECT n_name, count(DISTINCT o_orderkey) AS orders, sum(l_extendedprice) AS gross
FROM sales.lineitem JOIN sales.orders ON l_orderkey = o_orderkey
JOIN customers.customer ON o_custkey = c_custkey JOIN customers.nation ON c_nationkey = n_nationkey
JOIN supply.supplier ON l_suppkey = s_suppkey AND s_nationkey = c_nationkey
GROUP BY n_name ORDER BY n_name

-- name: join_left_unmatched
SELECT count(*) AS without_orders FROM customers.customer c
LEFT JOIN sales.orders o ON o.o_custkey = c.c_custkey WHERE o.o_orderkey IS NULL

-- name: join_left_counts
SELECT c.c_custkey, count(o.o_orderkey) AS orders FROM customers.customer c
LEFT JOIN sales.orders o ON o.o_custkey = c.c_custkey
WHERE c.c_custkey <= 12 GROUP BY c.c_custkey ORDER BY c.c_custkey

-- name: join_right
SELECT r_name, n_name FROM customers.nation RIGHT JOIN customers.region
  ON n_regionkey = r_regionkey AND n_name LIKE 'A%' ORDER BY r_name, n_name

-- name: join_full
SELECT a.n_nationkey AS a_key, b.n_nationkey AS b_key
FROM (SELECT n_nationkey FROM customers.nation WHERE n_nationkey < 8) a
FULL JOIN (SELECT n_nationkey FROM customers.nation WHERE n_nationkey > 4 AND n_nationkey < 12) b
  ON a.n_nationkey = b.n_nationkey ORDER BY a_key NULLS LAST, b_key NULLS LAST

-- name: join_cross
SELECT r_name, s FROM customers.region CROSS JOIN (VALUES ('x'), ('y')) AS v(s) ORDER BY r_name, s

-- name: join_using
SELECT n_regionkey, count(*) AS n FROM customers.nation JOIN
  (SELECT r_regionkey AS n_regionkey, r_name FROM customers.region) r USING (n_regionkey)
GROUP BY n_regionkey ORDER BY n_regionkey

-- name: join_self
SELECT a.n_name AS nation, b.n_name AS neighbour FROM customers.nation a
JOIN customers.nation b ON a.n_regionkey = b.n_regionkey AND a.n_nationkey < b.n_nationkey
WHERE a.n_regionkey = 1 ORDER BY 1, 2

-- name: join_non_equi
SELECT p_partkey, count(*) AS cheaper_offers FROM supply.part
JOIN supply.partsupp ON ps_partkey = p_partkey AND ps_supplycost < p_retailprice / 2
WHERE p_partkey <= 10 GROUP BY p_partkey ORDER BY p_partkey

-- name: join_lateral_limit
SELECT c.c_custkey, o.o_orderkey, o.o_totalprice FROM customers.customer c,
LATERAL (SELECT o_orderkey, o_totalprice FROM sales.orders WHERE o_custkey = c.c_custkey
         ORDER BY o_totalprice DESC LIMIT 2) o
WHERE c.c_custkey <= 5 ORDER BY c.c_custkey, o.o_totalprice DESC

-- name: join_lateral_aggregate
SELECT n.n_name, t.customers FROM customers.nation n
CROSS JOIN LATERAL (SELECT count(*) AS customers FROM customers.customer c
                    WHERE c.c_nationkey = n.n_nationkey) t ORDER BY n.n_name

-- name: subq_correlated_scalar
SELECT c_custkey, (SELECT max(o_totalprice) FROM sales.orders o WHERE o.o_custkey = c.c_custkey) AS biggest
FROM customers.customer c WHERE c_custkey <= 10 ORDER BY c_custkey

-- name: subq_exists
SELECT count(*) AS n FROM customers.customer c
WHERE EXISTS (SELECT 1 FROM sales.orders o WHERE o.o_custkey = c.c_custkey AND o.o_orderpriority = '1-URGENT')

-- name: subq_not_exists
SELECT count(*) AS n FROM supply.part p
WHERE NOT EXISTS (SELECT 1 FROM sales.lineitem l WHERE l.l_partkey = p.p_partkey)

-- name: subq_in
SELECT n_name FROM customers.nation
WHERE n_regionkey IN (SELECT r_regionkey FROM customers.region WHERE r_name LIKE 'A%') ORDER BY n_name

-- name: subq_not_in
SELECT count(*) AS n FROM customers.customer
WHERE c_custkey NOT IN (SELECT o_custkey FROM sales.orders)

-- name: subq_any_array
SELECT n_name FROM customers.nation WHERE n_nationkey = ANY (ARRAY[1, 3, 5]) ORDER BY n_name

-- name: subq_any_subquery
SELECT count(*) AS n FROM sales.orders
WHERE o_totalprice > ANY (SELECT p_retailprice * 200 FROM supply.part WHERE p_size = 50)

-- name: subq_all
SELECT count(*) AS n FROM sales.orders
WHERE o_totalprice > ALL (SELECT p_retailprice * 200 FROM supply.part WHERE p_size = 50)

-- name: subq_scalar_in_where
SELECT count(*) AS n FROM sales.orders WHERE o_totalprice > (SELECT avg(o_totalprice) * 2 FROM sales.orders)

-- name: subq_derived_table
SELECT segment, round(avg(total), 2) AS avg_total FROM (
  SELECT c_mktsegment AS segment, o_totalprice AS total
  FROM sales.orders JOIN customers.customer ON o_custkey = c_custkey) t
GROUP BY segment ORDER BY segment
