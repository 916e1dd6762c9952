-- CASE, COALESCE/NULLIF/GREATEST and string functions.

-- name: case_searched
SELECT o_orderkey,
       CASE WHEN o_totalprice > 300000 THEN 'large' WHEN o_totalprice > 100000 THEN 'medium' ELSE 'small' END AS size
FROM sales.orders WHERE o_orderkey < 40 ORDER BY o_orderkey

-- name: case_simple
SELECT o_orderstatus, CASE o_orderstatus WHEN 'F' THEN 'final' WHEN 'O' THEN 'open' ELSE 'partial' END AS label,
       count(*) AS n
FROM sales.orders GROUP BY 1, 2 ORDER BY 1

-- name: coalesce_nullif_greatest
SELECT n_nationkey, coalesce(nullif(n_regionkey, 0), -1) AS region_or_minus,
       greatest(n_nationkey, 10) AS g, least(n_nationkey, 10) AS l
FROM customers.nation ORDER BY n_nationkey

-- name: str_substring_position
SELECT c_custkey, substring(c_phone FROM 1 FOR 2) AS country_code, substr(c_name, 10) AS tail,
       position('#' IN c_name) AS hash_at, strpos(c_name, '0') AS zero_at
FROM customers.customer WHERE c_custkey <= 5 ORDER BY c_custkey

-- name: str_split_part
SELECT p_partkey, split_part(p_type, ' ', 1) AS first_word, split_part(p_type, ' ', 3) AS last_word
FROM supply.part WHERE p_partkey <= 6 ORDER BY p_partkey

-- name: str_upper_lower_initcap
SELECT n_name, lower(n_name) AS lo, initcap(n_name) AS title, upper(lower(n_name)) AS up
FROM customers.nation WHERE n_nationkey IN (0, 6, 23, 24) ORDER BY n_name

-- name: str_pad_trim
SELECT lpad(n_nationkey::text, 4, '0') AS padded, rpad(n_name, 12, '.') AS dotted,
       trim('  x  ') AS t, ltrim('xxabc', 'x') AS lt, rtrim('abcyy', 'y') AS rt, btrim('--a--', '-') AS bt
FROM customers.nation WHERE n_nationkey < 4 ORDER BY padded

-- name: str_concat
SELECT n_name || ' (' || n_nationkey || ')' AS label, concat(n_name, '-', n_regionkey) AS c,
       concat_ws('/', r_name, n_name) AS path
FROM customers.nation JOIN customers.region ON n_regionkey = r_regionkey
WHERE n_nationkey < 5 ORDER BY n_nationkey

-- name: str_length_reverse_repeat
SELECT n_name, length(n_name) AS len, char_length(n_name) AS clen, reverse(n_name) AS rev,
       repeat('*', n_regionkey::int) AS stars, left(n_name, 3) AS l3, right(n_name, 2) AS r2
FROM customers.nation WHERE n_nationkey < 6 ORDER BY n_name

-- name: str_replace_translate
SELECT p_partkey, replace(p_container, 'PACK', 'PK') AS r, translate(p_mfgr, '#', '_') AS t
FROM supply.part WHERE p_partkey <= 5 ORDER BY p_partkey

-- name: str_regexp_replace
SELECT c_custkey, regexp_replace(c_phone, '[0-9]', 'X', 'g') AS masked,
       regexp_replace(c_name, '^Customer#0*', 'C') AS short
FROM customers.customer WHERE c_custkey <= 5 ORDER BY c_custkey

-- name: str_like_ilike
SELECT count(*) FILTER (WHERE p_name LIKE '%green%') AS green,
       count(*) FILTER (WHERE p_name ILIKE 'FOREST%') AS forest,
       count(*) FILTER (WHERE p_type NOT LIKE 'PROMO%') AS not_promo,
       count(*) FILTER (WHERE p_container LIKE 'SM_CASE') AS sm_case
FROM supply.part

-- name: str_regex_match
SELECT count(*) FILTER (WHERE c_comment ~ '^[a-z]+ ') AS starts_word,
       count(*) FILTER (WHERE c_comment ~* 'FURIOUS') AS furious
FROM customers.customer

-- name: str_starts_with_md5
SELECT n_name, starts_with(n_name, 'I') AS i, md5(n_name) AS hash
FROM customers.nation WHERE n_nationkey IN (7, 8, 9) ORDER BY n_name

-- name: str_to_hex_chr_ascii
SELECT to_hex(n_nationkey * 1000) AS hex, ascii(n_name) AS a, chr(65 + n_nationkey::int) AS c
FROM customers.nation WHERE n_nationkey < 4 ORDER BY n_nationkey

-- name: str_format
SELECT format('%s has key %s', n_name, n_nationkey) AS f FROM customers.nation
WHERE n_nationkey < 3 ORDER BY n_nationkey
