-- Compares two Parquet outputs row by row (as multisets) and writes the counts as one CSV row.
CREATE OR REPLACE TEMPORARY VIEW a USING parquet OPTIONS (path '${a}');
CREATE OR REPLACE TEMPORARY VIEW b USING parquet OPTIONS (path '${b}');
INSERT OVERWRITE DIRECTORY '${output}' USING csv OPTIONS (header 'true')
SELECT (SELECT count(*) FROM a) AS rows_a,
       (SELECT count(*) FROM b) AS rows_b,
       (SELECT count(*) FROM (SELECT * FROM a EXCEPT ALL SELECT * FROM b)) AS only_in_a,
       (SELECT count(*) FROM (SELECT * FROM b EXCEPT ALL SELECT * FROM a)) AS only_in_b;
