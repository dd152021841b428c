package dev.soal.router.embedded;

import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.adapters.standalone.StandaloneCluster;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Spark's own History Server ({@code org.apache.spark.deploy.history.HistoryServer}), from the project's Spark jars,
 * on 127.0.0.1, over one event log directory ({@code s3a://...}) read with the given Hadoop settings.
 *
 * <pre>{@code
 * try (HistoryServer h = HistoryServer.start(artifacts, "s3a://soal-output/soal-logs/spark-events/", s3a, 18080, log)) {
 *     h.uri(); // http://127.0.0.1:18080/, its REST API under /api/v1/applications
 * }
 * }</pre>
 */
public final class HistoryServer implements AutoCloseable {
    /** Spark's default History Server port, which the console's links use. */
    public static final int DEFAULT_PORT = 18080;
    /** How often it looks for new and changed event logs. */
    static final String UPDATE_INTERVAL = "3s";

    private final Process process;
    private final URI uri;

    private HistoryServer(Process process, URI uri) {
        this.process = process;
        this.uri = uri;
    }

    /**
     * Starts it and waits until it listens.
     *
     * @param hadoop {@code spark.hadoop.*} settings for the directory's file system (S3A's endpoint and credentials)
     * @param port   0 for any free one
     */
    public static HistoryServer start(RuntimeArtifacts artifacts, String logDirectory, Map<String, String> hadoop, int port,
                                      Path log) throws IOException, InterruptedException {
        artifacts.requireBuilt();
        int p = port == 0 ? ServerProcesses.freePort() : port;
        if (ServerProcesses.portTaken(p)) {
            throw new IllegalStateException("127.0.0.1:" + p + " is taken (another soal history?); choose another with --port");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(RuntimeArtifacts.javaExecutable());
        cmd.add("-Xmx1g");
        cmd.addAll(RuntimeArtifacts.SPARK_JAVA_OPTIONS);
        cmd.add("-Dspark.history.fs.logDirectory=" + logDirectory);
        cmd.add("-Dspark.history.ui.port=" + p);
        cmd.add("-Dspark.history.fs.update.interval=" + UPDATE_INTERVAL);
        hadoop.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-cp");
        cmd.add(artifacts.sparkClasspath());
        cmd.add("org.apache.spark.deploy.history.HistoryServer");
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        // SPARK_LOCAL_IP: its web server binds to loopback only
        pb.environment().putAll(StandaloneCluster.sparkEnvironment(artifacts));
        Process process = pb.start();
        try {
            ServerProcesses.awaitListening(process, p, System.nanoTime() + 60_000_000_000L, "Spark's History Server", log);
        } catch (RuntimeException | InterruptedException e) {
            process.destroyForcibly();
            throw e;
        }
        return new HistoryServer(process, URI.create("http://127.0.0.1:" + p + "/"));
    }

    public URI uri() {
        return uri;
    }

    public boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        ServerProcesses.stop(process);
    }
}
