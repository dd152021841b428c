-- Accounts per owner, and the table's commits. Variables: ${ns}, ${output}.
INSERT OVERWRITE DIRECTORY '${output}' USING csv
SELECT owner, count(*) AS n, (SELECT count(*) FROM soal.`${ns}`.accounts.snapshots) AS snapshots
FROM soal.`${ns}`.accounts GROUP BY owner;
