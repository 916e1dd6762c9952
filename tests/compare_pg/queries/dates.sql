-- Dates and times: extract, date_part, date_trunc, to_char, age, intervals, arithmetic,
-- make_date and generate_series over dates.

-- name: date_extract
SELECT extract(year FROM o_orderdate) AS y, extract(month FROM o_orderdate) AS m,
       extract(dow FROM o_orderdate) AS dow, extract(quarter FROM o_orderdate) AS q
FROM sales.orders WHERE o_orderkey IN (1, 2, 3) ORDER BY o_orderkey

-- name: date_part_group
SELECT date_part('year', o_orderdate) AS y, count(*) AS n FROM sales.orders GROUP BY 1 ORDER BY 1

-- name: date_trunc_month
SELECT date_trunc('month', o_orderdate) AS month, count(*) AS n
FROM sales.orders WHERE o_orderdate < DATE '1992-04-01' GROUP BY 1 ORDER BY 1

-- name: date_trunc_timestamp
SELECT date_trunc('quarter', TIMESTAMP '1995-05-17 13:45:12') AS q,
       date_trunc('week', TIMESTAMP '1995-05-17 13:45:12') AS w,
       date_trunc('hour', TIMESTAMP '1995-05-17 13:45:12') AS h

-- name: date_to_char_month
SELECT to_char(o_orderdate, 'YYYY-MM') AS month, count(*) AS n
FROM sales.orders WHERE o_orderdate < DATE '1992-06-01' GROUP BY 1 ORDER BY 1

-- name: date_to_char_formats
SELECT to_char(DATE '1995-03-05', 'DD/MM/YYYY') AS dmy, to_char(DATE '1995-03-05', 'Mon DD, YYYY') AS mon,
       to_char(DATE '1995-03-05', 'FMMonth') AS month, to_char(DATE '1995-03-05', 'Dy') AS dy,
       to_char(DATE '1995-03-05', 'YYYY"Q"Q') AS yq, to_char(DATE '1995-03-05', 'IYYY-IW') AS isoweek

-- name: date_to_char_timestamp
SELECT to_char(TIMESTAMP '1995-03-05 14:07:09.5', 'YYYY-MM-DD HH24:MI:SS') AS iso,
       to_char(TIMESTAMP '1995-03-05 14:07:09.5', 'HH12:MI AM') AS ampm,
       to_char(TIMESTAMP '1995-03-05 14:07:09.5', 'DDD "day" J') AS doy

-- name: date_age
SELECT o_orderkey, age(DATE '1999-01-01', o_orderdate) AS since
FROM sales.orders WHERE o_orderkey IN (1, 2, 3) ORDER BY o_orderkey

-- name: date_minus_date
SELECT l_orderkey, l_linenumber, l_receiptdate - l_shipdate AS transit_days
FROM sales.lineitem WHERE l_orderkey = 1 ORDER BY l_linenumber

-- name: date_plus_integer
SELECT o_orderdate + 30 AS due, o_orderdate - 7 AS week_before
FROM sales.orders WHERE o_orderkey = 1

-- name: date_plus_interval
SELECT o_orderdate + INTERVAL '1 month' AS next_month, o_orderdate - INTERVAL '3 days' AS before
FROM sales.orders WHERE o_orderkey = 1

-- name: date_interval_text
SELECT INTERVAL '1 day 2 hours' AS i1, INTERVAL '90 minutes' AS i2, INTERVAL '1 year 2 months' AS i3

-- name: date_interval_times_int
SELECT INTERVAL '1 day' * 3 AS three_days

-- name: date_avg_transit
SELECT l_shipmode, round(avg(l_receiptdate - l_shipdate), 2) AS avg_days
FROM sales.lineitem GROUP BY l_shipmode ORDER BY l_shipmode

-- name: date_make_date
SELECT make_date(1995, n_nationkey::int + 1, 1) AS d FROM customers.nation
WHERE n_nationkey < 3 ORDER BY d

-- name: date_generate_series
SELECT d::date AS day FROM generate_series(DATE '1995-01-01', DATE '1995-01-05', INTERVAL '1 day') AS g(d)
ORDER BY day

-- name: date_between_filter
SELECT count(*) AS n FROM sales.orders
WHERE o_orderdate BETWEEN DATE '1994-01-01' AND DATE '1994-12-31'

-- name: date_compare_string
SELECT count(*) AS n FROM sales.orders WHERE o_orderdate >= '1998-01-01'

-- name: date_cast_text
SELECT o_orderdate::text AS t, CAST('1995-06-17' AS date) AS d FROM sales.orders WHERE o_orderkey = 1

-- name: date_current_is_date
SELECT current_date - current_date AS zero, current_date > DATE '2000-01-01' AS after_2000

-- name: date_with_offset
SELECT '1994-12-13T00:00:00+09:00'::date AS d
