import org.apache.spark.sql.SparkSession;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Plain Spark 3.5 in a fresh JVM: the example script with ${input} and ${output} as local paths, statement by
 * statement, on local[cores]. Usage: PlainSpark <script.sql> <input.csv> <output dir> <cores>.
 */
public class PlainSpark {
    public static void main(String[] args) throws Exception {
        String sql = Files.readString(Path.of(args[0])).replace("${input}", args[1]).replace("${output}", args[2]);
        SparkSession spark = SparkSession.builder().master("local[" + args[3] + "]").appName("plain")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", String.valueOf(3 * Integer.parseInt(args[3])))
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
        String last = null;
        for (String statement : sql.replaceAll("(?m)^--.*$", "").split(";")) {
            if (!statement.isBlank()) {
                last = statement;
                if (!statement.strip().toUpperCase().startsWith("SELECT")) {
                    spark.sql(statement);
                }
            }
        }
        spark.sql(last).show(10, false);
        spark.stop();
    }
}
