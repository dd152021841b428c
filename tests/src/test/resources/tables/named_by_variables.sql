-- Table and namespace names from variables, glued into names (${tenant}, daily_${day}) and whole
-- (IDENTIFIER(:orders)). Variables: ${tenant}, ${day}, ${orders} (a whole table name), ${output}.
CREATE NAMESPACE IF NOT EXISTS soal.${tenant};
CREATE TABLE soal.${tenant}.daily_${day} (id BIGINT, amount INT) USING iceberg;
INSERT INTO soal.${tenant}.daily_${day} VALUES (1, 10), (2, 20), (3, 30);
CREATE TABLE IDENTIFIER(:orders) (id BIGINT, amount INT) USING iceberg;
INSERT INTO soal.${tenant}.orders SELECT id, amount * 2 FROM soal.${tenant}.daily_${day} WHERE amount > 10;
INSERT OVERWRITE DIRECTORY '${output}' USING csv
SELECT d.id, d.amount, o.amount AS ordered FROM soal.${tenant}.daily_${day} d LEFT JOIN IDENTIFIER(:orders) o ON d.id = o.id;
