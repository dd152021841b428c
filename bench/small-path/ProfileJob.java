import dev.soal.core.RunnerArgs;
import dev.soal.runtime.JobRunner;
import dev.soal.runtime.SparkSettings;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The runner's work for one environment, for a profiler: the Lambda session's settings (and its Delta and Iceberg
 * extensions), then the example script on a local CSV, {@code runs} times, each job in its own newSession() as an
 * environment runs them, under Java Flight Recorder (bench/profile.sh).
 * It records the session's start and the first job ({@code cold.jfr}), and the jobs after the second ({@code warm.jfr}),
 * in {@code <out>}. Usage: ProfileJob --launch <checkout> <script.sql> <input.csv> <scratch dir> <runs> <out>.
 */
public class ProfileJob {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("--launch")) { // a JVM as an environment's: its options and heap, and the project's Spark
            dev.soal.adapters.local.RuntimeArtifacts artifacts = dev.soal.adapters.local.RuntimeArtifacts.inCheckout(Path.of(args[1]));
            List<String> cmd = new java.util.ArrayList<>(List.of(dev.soal.adapters.local.RuntimeArtifacts.javaExecutable(), "-Xmx1638m"));
            cmd.addAll(dev.soal.adapters.local.RuntimeArtifacts.SPARK_JAVA_OPTIONS);
            cmd.addAll(dev.soal.adapters.local.RuntimeArtifacts.LAMBDA_JAVA_OPTIONS);
            cmd.add("-Dlog4j2.configurationFile=" + artifacts.sparkHome().resolve("conf/log4j2.properties").toUri());
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "ProfileJob"));
            cmd.addAll(List.of(args).subList(2, args.length));
            System.exit(new ProcessBuilder(cmd).inheritIO().start().waitFor());
        }
        String sql = Files.readString(Path.of(args[0]));
        Path scratch = Path.of(args[2]);
        int runs = Integer.parseInt(args[3]);
        Path out = Path.of(args[4]);
        jdk.jfr.Configuration profile = jdk.jfr.Configuration.getConfiguration("profile");
        jdk.jfr.Recording cold = new jdk.jfr.Recording(profile);
        cold.start();
        jdk.jfr.Recording warm = null;
        long t0 = System.nanoTime();
        SparkSession.Builder b = SparkSession.builder();
        SparkSettings.lambda(1, scratch.resolve("tmp")).forEach(b::config);
        SparkSettings.tables(dev.soal.core.TableSettings.none()).forEach(b::config);
        SparkSession root = b.getOrCreate();
        System.out.printf("session: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        for (int i = 0; i < runs; i++) {
            if (i == 2) {
                warm = new jdk.jfr.Recording(profile); // after two jobs, as an environment's later jobs find it
                warm.start();
            }
            long t = System.nanoTime();
            RunnerArgs job = new RunnerArgs("profile-" + i, null, "s3://b/script.sql", null, List.of(args[1]),
                    scratch.resolve("out-" + i).toUri().toString(), Map.of(), null);
            new JobRunner((software.amazon.awssdk.services.s3.S3Client) null).runSql(root.newSession(), job, sql);
            System.out.printf("job %d: %d ms%n", i + 1, (System.nanoTime() - t) / 1_000_000);
            if (i == 0) {
                cold.stop();
                cold.dump(out.resolve("cold.jfr"));
            }
        }
        if (warm != null) {
            warm.stop();
            warm.dump(out.resolve("warm.jfr"));
        }
        root.stop();
    }
}
