-- The tables of as_of_1.sql: a second row in the Iceberg and the Delta table; the Hudi table, named again from its
-- files, upserted again, updated and deleted from; a procedure of each of Iceberg and Hudi, in the one session. Then
-- each read now and as of a moment between the two jobs: Iceberg's and Delta's row counts, the Hudi table's rows (as
-- of then through a WITH), what changed in it since then (incrementally), and the session's time zone.
-- Variables: ${ns}, ${asOf} (that moment, ISO-8601), ${instant} (the same as a Hudi instant, yyyyMMddHHmmssSSS),
-- ${output}.
INSERT INTO soal.`${ns}`.t VALUES (2);
INSERT INTO delta.`s3://soal-data/delta/${ns}/t` VALUES (2);
CREATE TABLE orders USING hudi LOCATION 's3://soal-data/hudi/${ns}/orders';
MERGE INTO orders t
USING (SELECT CAST(3 AS BIGINT) AS id, 'paid' AS status, 30.0D AS amount, CAST(3 AS BIGINT) AS ts
       UNION ALL SELECT 5, 'new', 50.0D, 3) s
ON t.id = s.id
WHEN MATCHED THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *;
UPDATE orders SET amount = amount * 2, ts = 4 WHERE id = 1;
DELETE FROM orders WHERE id = 4;
CALL soal.system.rewrite_data_files(table => '${ns}.t');
CALL run_clean(table => 'orders');
WITH then AS (SELECT * FROM orders TIMESTAMP AS OF '${instant}')
INSERT OVERWRITE DIRECTORY '${output}' USING csv
SELECT 'now' AS read, CAST(id AS STRING) AS a, status AS b, CAST(amount AS STRING) AS c FROM orders
UNION ALL
SELECT 'then', CAST(id AS STRING), status, CAST(amount AS STRING) FROM then
UNION ALL
SELECT 'since', CAST(id AS STRING), status, CAST(amount AS STRING)
FROM hudi_table_changes('orders', 'latest_state', '${instant}')
UNION ALL
SELECT 'iceberg', CAST((SELECT count(*) FROM soal.`${ns}`.t TIMESTAMP AS OF '${asOf}') AS STRING),
       CAST((SELECT count(*) FROM soal.`${ns}`.t) AS STRING), NULL
UNION ALL
SELECT 'delta', CAST((SELECT count(*) FROM delta.`s3://soal-data/delta/${ns}/t` TIMESTAMP AS OF '${asOf}') AS STRING),
       CAST((SELECT count(*) FROM delta.`s3://soal-data/delta/${ns}/t`) AS STRING), NULL
UNION ALL
SELECT 'zone', current_timezone(), NULL, NULL;
