-- An Iceberg table in the soal catalog and a Delta table by path: create, insert, tag, merge, delete,
-- update, time travel, the same on every path (Delta: create, update, insert, merge, delete). Variables: ${ns} (a namespace of this run's own), ${output}.
CREATE NAMESPACE IF NOT EXISTS soal.`${ns}`;
CREATE TABLE soal.`${ns}`.listings (id BIGINT, price DOUBLE) USING iceberg;
INSERT INTO soal.`${ns}`.listings VALUES (1, 10.0), (2, 20.0), (3, 30.0);
ALTER TABLE soal.`${ns}`.listings CREATE TAG first;
MERGE INTO soal.`${ns}`.listings t
USING (SELECT CAST(2 AS BIGINT) AS id, 25.0D AS price UNION ALL SELECT CAST(4 AS BIGINT), 40.0D) s
ON t.id = s.id
WHEN MATCHED THEN UPDATE SET price = s.price
WHEN NOT MATCHED THEN INSERT *;
DELETE FROM soal.`${ns}`.listings WHERE id = 1;
CREATE TABLE delta.`s3://soal-data/delta/${ns}/listings` USING delta AS SELECT * FROM soal.`${ns}`.listings;
UPDATE delta.`s3://soal-data/delta/${ns}/listings` SET price = price * 2 WHERE id = 4;
INSERT INTO delta.`s3://soal-data/delta/${ns}/listings` VALUES (5, 50.0);
MERGE INTO delta.`s3://soal-data/delta/${ns}/listings` t
USING (SELECT CAST(3 AS BIGINT) AS id, 33.0D AS price) s
ON t.id = s.id
WHEN MATCHED THEN UPDATE SET price = s.price
WHEN NOT MATCHED THEN INSERT *;
DELETE FROM delta.`s3://soal-data/delta/${ns}/listings` WHERE id = 5;
INSERT OVERWRITE DIRECTORY '${output}' USING csv
SELECT i.id, i.price AS iceberg_price, d.price AS delta_price,
       (SELECT count(*) FROM soal.`${ns}`.listings VERSION AS OF 'first') AS rows_at_tag_first,
       (SELECT max(price) FROM delta.`s3://soal-data/delta/${ns}/listings` VERSION AS OF 0) AS delta_v0_max
FROM soal.`${ns}`.listings i JOIN delta.`s3://soal-data/delta/${ns}/listings` d ON i.id = d.id;
