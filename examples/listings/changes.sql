-- What the latest daily drop changed in soal.listings.current: the table now, against the table as of its
-- previous snapshot (the tag 'previous' that daily_upsert.sql sets before each merge). Listings that are new,
-- and listings whose price moved, with both prices. Written to ${output} as CSV, and printed.
--   ./soal run --script examples/listings/changes.sql --input examples/listings/daily/2026-11-26.csv
-- Variables: ${output}. The input (the day's drop) is what the job is sized by; the script reads only the table.

CREATE OR REPLACE TEMPORARY VIEW changes AS
SELECT cur.id, cur.neighbourhood, cur.room_type,
       prev.price AS price_before, cur.price AS price_now,
       CASE WHEN prev.id IS NULL THEN 'new' ELSE 'price' END AS change
FROM soal.listings.current cur
LEFT JOIN soal.listings.current VERSION AS OF 'previous' prev ON cur.id = prev.id
WHERE prev.id IS NULL OR prev.price <> cur.price;

INSERT OVERWRITE DIRECTORY '${output}' USING csv OPTIONS (header 'true')
SELECT * FROM changes;

SELECT change, count(*) AS listings, sum(price_now - coalesce(price_before, price_now)) AS price_moved
FROM changes GROUP BY change ORDER BY change;
