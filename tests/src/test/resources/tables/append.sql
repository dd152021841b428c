-- One writer's 1,000 rows, in one commit. Variables: ${ns}, ${writer}.
INSERT INTO soal.`${ns}`.events SELECT '${writer}', id FROM range(1000);
