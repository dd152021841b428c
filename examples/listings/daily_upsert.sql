-- A day's listings drop upserted into the Iceberg table soal.listings.current: listings new to the table are
-- inserted, known ones updated (price, reviews, availability...), in one commit. Before the merge the table's
-- snapshot of the day before is tagged 'previous', so changes.sql can read the table as it was before this drop.
-- Runs unchanged on every SoAL path, started by the drop itself (the policies' trigger 'listings-daily' on
-- s3://soal-data/incoming/daily/*.csv) or by hand:
--   ./soal run --script examples/listings/daily_upsert.sql --input examples/listings/daily/2026-11-25.csv
-- Variables: ${input} (the day's CSV).

CREATE NAMESPACE IF NOT EXISTS soal.listings;

CREATE OR REPLACE TEMPORARY VIEW today (
  id BIGINT, name STRING, host_id BIGINT, neighbourhood_group STRING, neighbourhood STRING,
  latitude DOUBLE, longitude DOUBLE, room_type STRING, price INT, minimum_nights INT,
  number_of_reviews INT, last_review DATE, reviews_per_month DOUBLE, availability_365 INT
) USING csv OPTIONS (path '${input}', header 'true', mode 'FAILFAST');

-- on the first day: the table, with the drop's columns, and an empty first snapshot
CREATE TABLE IF NOT EXISTS soal.listings.current USING iceberg
AS SELECT * FROM today WHERE false;

-- the table as it is before this drop
ALTER TABLE soal.listings.current CREATE OR REPLACE TAG previous;

MERGE INTO soal.listings.current t
USING today d
ON t.id = d.id
WHEN MATCHED THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *;

-- What the run prints: the table after the drop.
SELECT count(*) AS listings, round(avg(price), 2) AS avg_price
FROM soal.listings.current;
