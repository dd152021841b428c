-- A small input, a large intermediate: every pair of rows, broadcast to a join. It outgrows a 768 MB Lambda
-- (Spark cannot build the broadcast table) and fits the cluster's driver.
CREATE TEMPORARY VIEW t USING csv OPTIONS (path '${input}', header 'true', inferSchema 'true');
CREATE TEMPORARY VIEW x AS
  SELECT a.v AS v, concat(CAST(b.v % 97 AS STRING), repeat('x', 40)) AS s FROM t a CROSS JOIN t b;
CREATE TEMPORARY VIEW joined AS SELECT /*+ BROADCAST(x) */ count(*) AS pairs FROM t JOIN x ON t.v = x.v;
INSERT OVERWRITE DIRECTORY '${output}' USING csv SELECT * FROM joined;
