package dev.soal.runtime.sample;

import org.apache.spark.sql.SparkSession;

import java.util.HashMap;
import java.util.Map;

/** A user's jar job: reads {@code --input}, writes the row count per city to {@code --output} as JSON. */
public final class CountCities {
    private CountCities() {
    }

    public static void main(String[] args) {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i], args[i + 1]);
        }
        SparkSession spark = SparkSession.active();
        spark.read().option("header", "true").csv(a.get("--input"))
                .groupBy("city").count()
                .withColumnRenamed("count", a.getOrDefault("--label", "n"))
                .write().mode("overwrite").json(a.get("--output"));
    }
}
