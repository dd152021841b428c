package dev.soal.runtime;

import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.s3.S3Settings;
import dev.soal.core.RunnerArgs;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Makes the runtime's AppCDS archive: a JVM with the execution environment's exact classpath runs a small
 * job of the kind SoAL runs (CSV in, SQL aggregation, Parquet out and back) and, as it exits, writes every
 * class it loaded to the archive ({@code -XX:ArchiveClassesAtExit}). Environments started with
 * {@code -XX:SharedArchiveFile} then map those classes instead of loading and verifying them. The archive
 * only serves the same JDK and the same classpath, which is why it is made where it is used: by the build
 * ({@code target/soal-runtime.jsa}) and in the image.
 *
 * <p>Usage: {@code CdsArchive <lambda-runtime/target>} writes {@link RuntimeArtifacts#cdsArchive()} for the
 * environments' classpath ({@link RuntimeArtifacts#lambdaClasspath()}); {@code CdsArchive <archive.jsa> <classpath>}
 * for any other layout (the image); {@code CdsArchive --train <dir>} is the job itself.
 */
public final class CdsArchive {
    private CdsArchive() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--train")) {
            train(Path.of(args[1]));
            System.exit(0);
        }
        if (args.length == 1) {
            Path target = Path.of(args[0]).toAbsolutePath().normalize();
            RuntimeArtifacts artifacts = new RuntimeArtifacts(target.resolve("soal-runner.jar"), target.resolve("spark-home"));
            System.setProperty("log4j2.configurationFile", artifacts.sparkHome().resolve("conf").resolve("log4j2.properties").toUri().toString());
            System.exit(dump(artifacts.cdsArchive(), artifacts.lambdaClasspath()));
        }
        if (args.length != 2) {
            System.err.println("usage: CdsArchive <lambda-runtime/target> | <archive.jsa> <classpath>");
            System.exit(2);
        }
        System.exit(dump(Path.of(args[0]), args[1]));
    }

    /** Runs the training job in a child JVM that writes {@code archive} as it exits; returns its exit code. */
    static int dump(Path archive, String classpath) throws IOException, InterruptedException {
        Path work = Files.createTempDirectory("soal-cds");
        List<String> cmd = new ArrayList<>(List.of(RuntimeArtifacts.javaExecutable(), "-XX:ArchiveClassesAtExit=" + archive,
                "-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
        cmd.addAll(RuntimeArtifacts.SPARK_JAVA_OPTIONS);
        cmd.addAll(RuntimeArtifacts.LAMBDA_JAVA_OPTIONS);
        if (System.getProperty("log4j2.configurationFile") != null) {
            cmd.add("-Dlog4j2.configurationFile=" + System.getProperty("log4j2.configurationFile"));
        }
        cmd.addAll(List.of("-cp", classpath, CdsArchive.class.getName(), "--train", work.toString()));
        long t0 = System.nanoTime();
        // the training job's own output (Spark's warnings, the statements' timings) is the build's business only
        // when it fails: it goes to a log beside the archive, and is shown then
        Path log = archive.resolveSibling(archive.getFileName() + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process p = pb.start();
        boolean ended = p.waitFor(5, TimeUnit.MINUTES);
        if (!ended) {
            p.destroyForcibly();
        }
        SparkLambdaHandler.deleteTree(work);
        if (ended && p.exitValue() == 0 && Files.isRegularFile(archive)) {
            System.out.printf("AppCDS archive %s (%d MB) in %d ms%n", archive, Files.size(archive) >> 20,
                    (System.nanoTime() - t0) / 1_000_000);
            return 0;
        }
        Files.deleteIfExists(archive); // what the JVM dumped as a failed job exited: not what a job loads
        System.err.println("CdsArchive: the training job " + (ended ? "failed (exit " + p.exitValue() + ")"
                : "did not end within 5 minutes") + "; its output (" + log + "):");
        System.err.println(Files.readString(log));
        return ended && p.exitValue() != 0 ? p.exitValue() : 1;
    }

    /** The training job: what a small job loads, from the session to the S3 client; the job is the example's. */
    static void train(Path dir) throws IOException {
        StringBuilder csv = new StringBuilder("id,name,host_id,neighbourhood_group,neighbourhood,latitude,longitude,"
                + "room_type,price,minimum_nights,number_of_reviews,last_review,reviews_per_month,availability_365\n");
        for (int i = 0; i < 2000; i++) {
            csv.append(i).append(",flat ").append(i).append(',').append(i % 97).append(",G").append(i % 5).append(",N")
                    .append(i % 31).append(",40.7,-73.9,").append(i % 3 == 0 ? "Private room" : "Entire home/apt").append(',')
                    .append(50 + i % 400).append(",2,").append(i % 50).append(",2024-05-0").append(1 + i % 9).append(",0.5,")
                    .append(i % 365).append('\n');
        }
        Path input = Files.writeString(dir.resolve("listings.csv"), csv);
        SparkSession.Builder b = SparkSession.builder();
        SparkSettings.lambda(1, dir).forEach(b::config);
        S3Settings nowhere = new S3Settings(S3Settings.DEFAULT_REGION, URI.create("http://127.0.0.1:9"), "k", "s");
        SparkSettings.s3a(nowhere).forEach(b::config);
        SparkSession spark = b.getOrCreate();
        S3Clients.create(nowhere).close();
        String out = StagedIo.fileUri(dir.resolve("out"));
        RunnerArgs args = new RunnerArgs("cds", null, "s3://cds/train.sql", null, List.of(StagedIo.fileUri(input)), out,
                Map.of(), null, Map.of());
        String example;
        try (java.io.InputStream in = CdsArchive.class.getResourceAsStream("cds/neighbourhood_stats.sql")) {
            example = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        // the example job, then its output read back (Parquet in)
        new JobRunner(uri -> new byte[0]).runSql(spark.newSession(), args, example
                + "\nSELECT count(*) AS n, max(listings) FROM parquet.`${output}`;\n");
        spark.stop();
    }
}
