-- Aggregates as analysts write them: totals, averages, distinct counts, spreads, percentiles,
-- lists and FILTER.

-- name: agg_count_star
SELECT count(*) AS orders FROM sales.orders

-- name: agg_sum_avg_numeric
SELECT l_returnflag, sum(l_quantity) AS qty, avg(l_quantity) AS avg_qty,
       sum(l_extendedprice * (1 - l_discount)) AS revenue
FROM sales.lineitem GROUP BY l_returnflag ORDER BY l_returnflag

-- name: agg_avg_integer
SELECT p_brand, avg(p_size) AS avg_size FROM supply.part GROUP BY p_brand ORDER BY p_brand

-- name: agg_min_max
SELECT min(o_orderdate) AS first_day, max(o_orderdate) AS last_day,
       min(o_totalprice) AS smallest, max(o_totalprice) AS largest, min(o_clerk) AS clerk
FROM sales.orders

-- name: agg_count_distinct
SELECT o_orderpriority, count(DISTINCT o_custkey) AS customers, count(*) AS orders
FROM sales.orders GROUP BY o_orderpriority ORDER BY o_orderpriority

-- name: agg_stddev
SELECT c_mktsegment, round(stddev(c_acctbal), 4) AS sd, round(stddev_pop(c_acctbal), 4) AS sd_pop
FROM customers.customer GROUP BY c_mktsegment ORDER BY c_mktsegment

-- name: agg_stddev_unrounded
SELECT stddev_samp(p_size) AS sd FROM supply.part

-- name: agg_variance
SELECT c_mktsegment, round(variance(c_acctbal), 2) AS v, round(var_samp(c_acctbal), 2) AS vs,
       round(var_pop(c_acctbal), 2) AS vp
FROM customers.customer GROUP BY c_mktsegment ORDER BY c_mktsegment

-- name: agg_percentile_cont
SELECT l_shipmode, percentile_cont(0.5) WITHIN GROUP (ORDER BY l_quantity) AS median_qty
FROM sales.lineitem GROUP BY l_shipmode ORDER BY l_shipmode

-- name: agg_percentile_disc
SELECT l_shipmode, percentile_disc(0.9) WITHIN GROUP (ORDER BY l_extendedprice) AS p90
FROM sales.lineitem GROUP BY l_shipmode ORDER BY l_shipmode

-- name: agg_string_agg
SELECT r.r_name, string_agg(n.n_name, ', ' ORDER BY n.n_name) AS nations
FROM customers.region r JOIN customers.nation n ON n.n_regionkey = r.r_regionkey
GROUP BY r.r_name ORDER BY r.r_name

-- name: agg_array_agg
SELECT n_regionkey, array_agg(n_nationkey ORDER BY n_nationkey) AS keys
FROM customers.nation GROUP BY n_regionkey ORDER BY n_regionkey

-- name: agg_bool_and_or
SELECT o_orderstatus, bool_and(o_totalprice > 1000) AS all_big, bool_or(o_totalprice > 500000) AS any_huge
FROM sales.orders GROUP BY o_orderstatus ORDER BY o_orderstatus

-- name: agg_every
SELECT o_orderstatus, every(o_shippriority = 0) AS all_zero
FROM sales.orders GROUP BY o_orderstatus ORDER BY o_orderstatus

-- name: agg_filter
SELECT count(*) FILTER (WHERE l_returnflag = 'R') AS returned,
       sum(l_quantity) FILTER (WHERE l_shipmode IN ('AIR', 'REG AIR')) AS by_air,
       avg(l_discount) FILTER (WHERE l_tax > 0.05) AS avg_discount_taxed
FROM sales.lineitem

-- name: agg_filter_exists
SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM sales.orders o
                                      WHERE o.o_custkey = c.c_custkey)) AS with_orders,
       count(*) AS customers
FROM customers.customer c

-- name: agg_empty_input
SELECT count(*) AS n, sum(o_totalprice) AS total, avg(o_totalprice) AS mean, max(o_orderdate) AS last
FROM sales.orders WHERE o_totalprice < 0

-- name: agg_sum_integer_types
SELECT sum(p_size) AS total_size, sum(p_partkey) AS total_keys, count(p_size) AS n FROM supply.part

-- name: agg_having
SELECT o_custkey, count(*) AS orders FROM sales.orders
GROUP BY o_custkey HAVING count(*) > 25 ORDER BY orders DESC, o_custkey
