-- The Hudi table of hudi_1.sql, from its files: upserted again, updated, deleted from, then read now, as of
-- ${asOf} (a moment between the two jobs' commits) and incrementally since then.
-- Variables: ${ns}, ${asOf} (a Hudi instant, yyyyMMddHHmmssSSS), ${output}.
CREATE TABLE orders USING hudi LOCATION 's3://soal-data/hudi/${ns}/orders';
MERGE INTO orders t
USING (SELECT CAST(3 AS BIGINT) AS id, 'paid' AS status, 30.0D AS amount, CAST(3 AS BIGINT) AS ts
       UNION ALL SELECT 5, 'new', 50.0D, 3) s
ON t.id = s.id
WHEN MATCHED THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *;
UPDATE orders SET amount = amount * 2, ts = 4 WHERE id = 1;
DELETE FROM orders WHERE id = 4;
INSERT OVERWRITE DIRECTORY '${output}' USING csv
SELECT 'now' AS read, id, status, amount FROM orders
UNION ALL
SELECT 'then', id, status, amount FROM orders TIMESTAMP AS OF '${asOf}'
UNION ALL
SELECT 'since', id, status, amount FROM hudi_table_changes('orders', 'latest_state', '${asOf}');
