package dev.soal.adapters.standalone;

import dev.soal.adapters.local.LocalProcesses;
import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.core.SoalException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Spark standalone cluster on loopback, one Master and one Worker, started from the project's own
 * Spark jars (no Spark distribution needed). The embedded stack's "large" path.
 */
public final class StandaloneCluster implements AutoCloseable {
    private static final Pattern ALIVE_WORKERS = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");

    private final RuntimeArtifacts artifacts;
    private final String masterUrl;
    private final List<Process> processes;

    private StandaloneCluster(RuntimeArtifacts artifacts, String masterUrl, List<Process> processes) {
        this.artifacts = artifacts;
        this.masterUrl = masterUrl;
        this.processes = processes;
    }

    /**
     * Starts a Master and a Worker ({@code cores} cores, {@code workerMemoryMb} MB) and waits until the
     * worker has registered.
     */
    public static StandaloneCluster start(RuntimeArtifacts artifacts, Path workDir, int cores, int workerMemoryMb,
                                          Duration startTimeout) {
        artifacts.requireBuilt();
        List<Process> started = new ArrayList<>();
        try {
            Files.createDirectories(workDir);
            int masterPort = freePort();
            int masterUi = freePort();
            String url = "spark://127.0.0.1:" + masterPort;
            started.add(launch(artifacts, workDir.resolve("master.log"), List.of(
                    "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", String.valueOf(masterPort),
                    "--webui-port", String.valueOf(masterUi))));
            awaitPort(masterPort, startTimeout, started.get(0), workDir.resolve("master.log"));
            started.add(launch(artifacts, workDir.resolve("worker.log"), List.of(
                    "org.apache.spark.deploy.worker.Worker", url, "--host", "127.0.0.1",
                    "--cores", String.valueOf(cores), "--memory", workerMemoryMb + "m",
                    "--webui-port", String.valueOf(freePort()),
                    "--work-dir", workDir.resolve("work").toString())));
            awaitWorker(masterUi, startTimeout, started.get(1), workDir.resolve("worker.log"));
            return new StandaloneCluster(artifacts, url, started);
        } catch (IOException | RuntimeException e) {
            started.forEach(LocalProcesses::kill);
            if (e instanceof SoalException se) {
                throw se;
            }
            throw new SoalException("cannot start the standalone Spark cluster: " + e.getMessage(), e, false);
        }
    }

    public String masterUrl() {
        return masterUrl;
    }

    public RuntimeArtifacts artifacts() {
        return artifacts;
    }

    /** The environment Spark's launcher and executors need when SPARK_HOME is made of Maven jars. */
    public static Map<String, String> sparkEnvironment(RuntimeArtifacts artifacts) {
        return Map.of("SPARK_HOME", artifacts.sparkHome().toString(),
                "SPARK_LOCAL_IP", "127.0.0.1",
                "SPARK_SCALA_VERSION", "2.12",
                "SPARK_CONF_DIR", artifacts.sparkHome().resolve("conf").toString());
    }

    private static Process launch(RuntimeArtifacts artifacts, Path log, List<String> mainAndArgs) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(RuntimeArtifacts.javaExecutable());
        cmd.add("-Xmx512m");
        cmd.addAll(RuntimeArtifacts.SPARK_JAVA_OPTIONS);
        cmd.add("-cp");
        cmd.add(artifacts.sparkClasspath());
        cmd.addAll(mainAndArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(sparkEnvironment(artifacts));
        return pb.start();
    }

    private static void awaitPort(int port, Duration timeout, Process p, Path log) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new SoalException("the Spark master exited early; see " + log, false);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                sleep(200);
            }
        }
        throw new SoalException("the Spark master did not listen on port " + port + " within " + timeout + "; see " + log, true);
    }

    private static void awaitWorker(int masterUi, Duration timeout, Process worker, Path log) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterUi + "/json/")).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!worker.isAlive()) {
                throw new SoalException("the Spark worker exited early; see " + log, false);
            }
            try {
                Matcher m = ALIVE_WORKERS.matcher(http.send(req, HttpResponse.BodyHandlers.ofString()).body());
                if (m.find() && Integer.parseInt(m.group(1)) > 0) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SoalException("interrupted while waiting for the Spark worker", e, true);
            }
            sleep(250);
        }
        throw new SoalException("no Spark worker registered within " + timeout + "; see " + log, true);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        for (int i = processes.size() - 1; i >= 0; i--) {
            LocalProcesses.kill(processes.get(i));
        }
    }
}
