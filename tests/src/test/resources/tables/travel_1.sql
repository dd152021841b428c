-- Time travel by timestamp, first commit: one row in an Iceberg table and in a Delta table by path.
-- Variables: ${ns}.
CREATE NAMESPACE IF NOT EXISTS soal.`${ns}`;
CREATE TABLE soal.`${ns}`.t (id BIGINT) USING iceberg;
INSERT INTO soal.`${ns}`.t VALUES (1);
CREATE TABLE delta.`s3://soal-data/delta/${ns}/t` (id BIGINT) USING delta;
INSERT INTO delta.`s3://soal-data/delta/${ns}/t` VALUES (1);
