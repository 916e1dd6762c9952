-- Numbers: round, trunc, ceil, floor, casts, division, %, power, width_bucket.

-- name: num_round_numeric
SELECT c_custkey, round(c_acctbal) AS r0, round(c_acctbal, 1) AS r1, round(c_acctbal, -2) AS rm2
FROM customers.customer WHERE c_custkey <= 5 ORDER BY c_custkey

-- name: num_round_literal
SELECT round(1.005, 2) AS a, round(2.5) AS b, round(-2.5) AS c, round(1234.5678, -2) AS d

-- name: num_trunc_ceil_floor
SELECT c_custkey, trunc(c_acctbal) AS t, trunc(c_acctbal, 1) AS t1, ceil(c_acctbal) AS c, floor(c_acctbal) AS f
FROM customers.customer WHERE c_custkey <= 5 ORDER BY c_custkey

-- name: num_cast_to_int
SELECT o_orderkey, o_totalprice::int AS i, CAST(o_totalprice AS bigint) AS b
FROM sales.orders WHERE o_orderkey <= 5 ORDER BY o_orderkey

-- name: num_cast_literals
SELECT 2.5::int AS a, 3.5::int AS b, (-2.5)::int AS c, '42'::int AS d, '1e3'::numeric AS e

-- name: num_integer_division_modulo
SELECT p_size, p_size / 7 AS q, p_size % 7 AS r, mod(p_size, 7) AS m
FROM supply.part WHERE p_partkey <= 6 ORDER BY p_partkey

-- name: num_numeric_division
SELECT c_custkey, c_acctbal / 3 AS third FROM customers.customer WHERE c_custkey <= 4 ORDER BY c_custkey

-- name: num_power_sqrt
SELECT power(2, 10) AS p, sqrt(16) AS s, abs(-3.5) AS a, sign(-2) AS sg, exp(0) AS e, ln(1) AS l

-- name: num_width_bucket
SELECT width_bucket(o_totalprice, 0, 500000, 5) AS bucket, count(*) AS n
FROM sales.orders GROUP BY 1 ORDER BY 1

-- name: num_to_char
SELECT to_char(o_totalprice, 'FM999,999,990.00') AS price FROM sales.orders WHERE o_orderkey <= 3 ORDER BY o_orderkey

-- name: num_to_number
SELECT to_number('12,345.67', '99G999D99') AS n

-- name: num_float_math
SELECT p_partkey, p_retailprice::float8 * 1.1 AS f, round((p_retailprice * 1.1)::numeric, 2) AS r
FROM supply.part WHERE p_partkey <= 3 ORDER BY p_partkey

-- name: num_percent_of_total
SELECT o_orderstatus, round(100.0 * count(*) / (SELECT count(*) FROM sales.orders), 1) AS pct
FROM sales.orders GROUP BY 1 ORDER BY 1

-- name: num_sum_product
SELECT sum(l_extendedprice * l_discount) AS disc, sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS charge
FROM sales.lineitem WHERE l_shipdate < DATE '1993-01-01'
