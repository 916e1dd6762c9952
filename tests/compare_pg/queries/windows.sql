-- Window functions: ranks, offsets, running totals with frames, ntile, partitions.

-- name: win_rank
SELECT n_name, c_custkey, c_acctbal,
       rank() OVER (PARTITION BY n_name ORDER BY c_acctbal DESC) AS rnk
FROM customers.customer JOIN customers.nation ON c_nationkey = n_nationkey
WHERE n_name IN ('FRANCE', 'JAPAN') ORDER BY n_name, rnk, c_custkey

-- name: win_dense_rank_row_number
SELECT p_brand, p_partkey, p_size,
       dense_rank() OVER (PARTITION BY p_brand ORDER BY p_size) AS dr,
       row_number() OVER (PARTITION BY p_brand ORDER BY p_size, p_partkey) AS rn
FROM supply.part WHERE p_brand = 'Brand#13' ORDER BY rn

-- name: win_lag_lead
SELECT o_orderkey, o_orderdate, o_totalprice,
       lag(o_totalprice) OVER (ORDER BY o_orderdate, o_orderkey) AS prev_price,
       lead(o_orderdate, 2) OVER (ORDER BY o_orderdate, o_orderkey) AS next2_date
FROM sales.orders WHERE o_custkey = 370 ORDER BY o_orderdate, o_orderkey

-- name: win_lag_default
SELECT o_orderkey, lag(o_orderkey, 1, 0) OVER (ORDER BY o_orderkey) AS prev
FROM sales.orders WHERE o_custkey = 1 ORDER BY o_orderkey

-- name: win_running_sum
SELECT o_orderdate, o_orderkey,
       sum(o_totalprice) OVER (ORDER BY o_orderdate, o_orderkey ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running
FROM sales.orders WHERE o_custkey = 370 ORDER BY o_orderdate, o_orderkey

-- name: win_moving_avg
SELECT o_orderkey, o_totalprice,
       avg(o_totalprice) OVER (ORDER BY o_orderkey ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS moving
FROM sales.orders WHERE o_custkey = 370 ORDER BY o_orderkey

-- name: win_range_default_frame
SELECT o_orderdate, count(*) OVER (ORDER BY o_orderdate) AS cumulative
FROM sales.orders WHERE o_custkey = 1 ORDER BY o_orderdate

-- name: win_ntile
SELECT c_custkey, c_acctbal, ntile(4) OVER (ORDER BY c_acctbal, c_custkey) AS quartile
FROM customers.customer WHERE c_nationkey = 3 ORDER BY c_acctbal, c_custkey

-- name: win_first_last_value
SELECT DISTINCT n_regionkey,
       first_value(n_name) OVER (PARTITION BY n_regionkey ORDER BY n_name) AS first_nation,
       last_value(n_name) OVER (PARTITION BY n_regionkey ORDER BY n_name
                                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS last_nation
FROM customers.nation ORDER BY n_regionkey

-- name: win_share_of_total
SELECT r_name, count(*) AS customers,
       round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS pct
FROM customers.customer JOIN customers.nation ON c_nationkey = n_nationkey
JOIN customers.region ON n_regionkey = r_regionkey GROUP BY r_name ORDER BY r_name

-- name: win_percent_rank_cume_dist
SELECT p_partkey, p_retailprice,
       round(percent_rank() OVER (ORDER BY p_retailprice)::numeric, 4) AS pr,
       round(cume_dist() OVER (ORDER BY p_retailprice)::numeric, 4) AS cd
FROM supply.part WHERE p_size = 1 AND p_brand = 'Brand#11' ORDER BY p_retailprice, p_partkey

-- name: win_top_n_per_group
SELECT * FROM (
  SELECT c_nationkey, c_custkey, c_acctbal,
         row_number() OVER (PARTITION BY c_nationkey ORDER BY c_acctbal DESC, c_custkey) AS rn
  FROM customers.customer) t
WHERE rn <= 2 ORDER BY c_nationkey, rn
