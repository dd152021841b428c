-- Time travel by timestamp, second commit: a second row in each. Variables: ${ns}.
INSERT INTO soal.`${ns}`.t VALUES (2);
INSERT INTO delta.`s3://soal-data/delta/${ns}/t` VALUES (2);
