-- Forty seconds of work: past a 30 s function timeout, well within a cluster's. (A void method's result is 'null'.)
INSERT OVERWRITE DIRECTORY '${output}' USING csv
  SELECT java_method('java.lang.Thread', 'sleep', 40000L) AS slept;
