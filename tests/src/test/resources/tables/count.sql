-- Rows per writer, and the table's commits. Variables: ${ns}, ${output}.
INSERT OVERWRITE DIRECTORY '${output}' USING csv
SELECT writer, count(*) AS n, (SELECT count(*) FROM soal.`${ns}`.events.snapshots) AS snapshots
FROM soal.`${ns}`.events GROUP BY writer;
