-- Accommodation listings aggregated by neighbourhood and room type, written as Parquet.
-- Runs unchanged on every SoAL path. Variables: ${input} (the listings CSV: a file or a folder of
-- CSVs), ${output} (where the Parquet goes). Generate an input of any size with:
--   ./soal generate-listings --size 50MB --out examples/listings/listings-50MB.csv

CREATE OR REPLACE TEMPORARY VIEW listings (
  id BIGINT, name STRING, host_id BIGINT, neighbourhood_group STRING, neighbourhood STRING,
  latitude DOUBLE, longitude DOUBLE, room_type STRING, price INT, minimum_nights INT,
  number_of_reviews INT, last_review DATE, reviews_per_month DOUBLE, availability_365 INT
) USING csv OPTIONS (path '${input}', header 'true', mode 'FAILFAST');

CREATE OR REPLACE TEMPORARY VIEW stats AS
SELECT neighbourhood_group,
       neighbourhood,
       room_type,
       count(*)                          AS listings,
       round(avg(price), 2)              AS avg_price,
       min(price)                        AS min_price,
       max(price)                        AS max_price,
       sum(number_of_reviews)            AS reviews,
       round(avg(availability_365), 1)   AS avg_availability
FROM listings
GROUP BY neighbourhood_group, neighbourhood, room_type;

INSERT OVERWRITE DIRECTORY '${output}' USING parquet
SELECT * FROM stats;

-- What the run prints: the busiest neighbourhoods.
SELECT neighbourhood_group, neighbourhood, room_type, listings, avg_price
FROM stats
ORDER BY listings DESC, neighbourhood, room_type
LIMIT 10;
