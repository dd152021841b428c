-- One batch of IoT readings (JSON records from a Kafka topic or a Kinesis stream) upserted into soal.iot.readings:
-- one row per device and minute, the latest reading wins. The stream's event source mapping runs it per batch;
-- the batch is the view `records`. A record that is not a reading (no device) is left out here: a script that must
-- refuse such a record would fail the batch instead, e.g. with assert_true(...).
CREATE NAMESPACE IF NOT EXISTS soal.iot;
CREATE TABLE IF NOT EXISTS soal.iot.readings (
  device STRING, minute TIMESTAMP, temperature DOUBLE, humidity DOUBLE, at TIMESTAMP,
  source STRING, `partition` STRING, position STRING
) USING iceberg;
MERGE INTO soal.iot.readings t
USING (
  SELECT device, minute, temperature, humidity, at, source, `partition`, position
  FROM (
    SELECT r.*, date_trunc('MINUTE', r.at) AS minute,
           row_number() OVER (PARTITION BY r.device, date_trunc('MINUTE', r.at) ORDER BY r.at DESC, r.position DESC) AS n
    FROM (
      SELECT j.device, CAST(j.at AS TIMESTAMP) AS at, j.temperature, j.humidity, source, `partition`, position
      FROM (SELECT from_json(data, 'device STRING, at STRING, temperature DOUBLE, humidity DOUBLE') AS j,
                   source, `partition`, position FROM records)
    ) r
    WHERE r.device IS NOT NULL AND r.at IS NOT NULL
  ) WHERE n = 1
) s
ON t.device = s.device AND t.minute = s.minute
WHEN MATCHED AND s.at >= t.at THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *;
