-- The table two writers then append to at once. Variables: ${ns}.
CREATE NAMESPACE IF NOT EXISTS soal.`${ns}`;
CREATE TABLE soal.`${ns}`.events (writer STRING, n BIGINT) USING iceberg;
