-- First commits, read as of a moment after them by as_of_2.sql: one row in an Iceberg table and in a Delta table by
-- path, and a Hudi table by path created with a record key and a precombine field, inserted into, then upserted with
-- MERGE INTO. The same on every path. Variables: ${ns} (a namespace and folder of this run's own).
CREATE NAMESPACE IF NOT EXISTS soal.`${ns}`;
CREATE TABLE soal.`${ns}`.t (id BIGINT) USING iceberg;
INSERT INTO soal.`${ns}`.t VALUES (1);
CREATE TABLE delta.`s3://soal-data/delta/${ns}/t` (id BIGINT) USING delta;
INSERT INTO delta.`s3://soal-data/delta/${ns}/t` VALUES (1);
CREATE TABLE orders (id BIGINT, status STRING, amount DOUBLE, ts BIGINT) USING hudi
LOCATION 's3://soal-data/hudi/${ns}/orders'
TBLPROPERTIES (primaryKey = 'id', preCombineField = 'ts');
INSERT INTO orders VALUES (1, 'new', 10.0, 1), (2, 'new', 20.0, 1), (3, 'new', 30.0, 1);
MERGE INTO orders t
USING (SELECT CAST(2 AS BIGINT) AS id, 'paid' AS status, 20.0D AS amount, CAST(2 AS BIGINT) AS ts
       UNION ALL SELECT 4, 'new', 40.0D, 2) s
ON t.id = s.id
WHEN MATCHED THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *;
