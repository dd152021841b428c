-- The table two writers then update at once: ten accounts, owned by nobody. Variables: ${ns}.
CREATE NAMESPACE IF NOT EXISTS soal.`${ns}`;
CREATE TABLE soal.`${ns}`.accounts (id BIGINT, owner STRING) USING iceberg;
INSERT INTO soal.`${ns}`.accounts SELECT id, 'nobody' FROM range(1, 11);
