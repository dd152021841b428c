-- What the readings table holds: per device, its minutes and the latest temperature.
SELECT device, count(*) AS minutes, max(at) AS last_reading, max_by(temperature, at) AS temperature
FROM soal.iot.readings GROUP BY device ORDER BY device;
