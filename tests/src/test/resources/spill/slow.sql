-- Twenty-six seconds of work: past an 18 s function timeout, well within a cluster's. (A void method's result is 'null'.)
INSERT OVERWRITE DIRECTORY '${output}' USING csv
  SELECT java_method('java.lang.Thread', 'sleep', 26000L) AS slept;
