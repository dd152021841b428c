-- Rows of each table as of ${asOf} (between the two commits) and now. Variables: ${ns}, ${asOf}, ${output}.
INSERT OVERWRITE DIRECTORY '${output}' USING csv
SELECT (SELECT count(*) FROM soal.`${ns}`.t TIMESTAMP AS OF '${asOf}') AS iceberg_then,
       (SELECT count(*) FROM delta.`s3://soal-data/delta/${ns}/t` TIMESTAMP AS OF '${asOf}') AS delta_then,
       (SELECT count(*) FROM soal.`${ns}`.t) AS iceberg_now,
       (SELECT count(*) FROM delta.`s3://soal-data/delta/${ns}/t`) AS delta_now;
