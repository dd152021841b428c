package dev.soal.router.embedded;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Apache Kafka's own broker (KRaft, broker and controller in one process) on loopback, for the embedded default's
 * Kafka streams: its data in the stack's home, so topics and committed offsets outlive a {@code soal serve}. It runs in
 * its own JVM from {@code embedded-kafka/target/kafka-home/libs}: Kafka 4 is built for Scala 2.13 and its own Jackson,
 * Spark for Scala 2.12.
 */
public final class KafkaBroker implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path dir;

    private KafkaBroker(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /** {@code host:port} for clients. */
    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /**
     * Starts the broker on {@code port} (its data under {@code dir}, formatted on first use) and creates
     * {@code topics} (one partition each unless they exist).
     */
    public static KafkaBroker start(Path kafkaHome, Path dir, int port, List<String> topics, Duration within) {
        Path libs = kafkaHome.resolve("libs");
        if (!Files.isDirectory(libs)) {
            throw new IllegalStateException(libs + " is missing: build first (mvn -DskipTests package, or ./soal once)");
        }
        try {
            Files.createDirectories(dir);
            if (ServerProcesses.portTaken(port)) {
                throw new IllegalStateException("port " + port + " on 127.0.0.1, which the policies' Kafka streams name, is taken;"
                        + " stop what listens there or name another port in the streams' bootstrapServers");
            }
            int controller = ServerProcesses.freePort();
            Path config = dir.resolve("server.properties");
            Path data = dir.resolve("data");
            Files.writeString(config, String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=1",
                    "controller.quorum.voters=1@127.0.0.1:" + controller,
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "inter.broker.listener.name=PLAINTEXT",
                    "log.dirs=" + data,
                    "num.partitions=1",
                    "offsets.topic.replication.factor=1",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "auto.create.topics.enable=false") + "\n", StandardCharsets.UTF_8);
            Path log = dir.resolve("broker.log");
            if (!Files.exists(data.resolve("meta.properties"))) {
                Process format = java(libs, dir, log, "kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(),
                        "-c", config.toString());
                if (!format.waitFor(2, TimeUnit.MINUTES) || format.exitValue() != 0) {
                    format.destroyForcibly();
                    throw new IllegalStateException("formatting the Kafka broker's storage failed; see " + log);
                }
            }
            Process p = java(libs, dir, log, "kafka.Kafka", config.toString());
            KafkaBroker broker = new KafkaBroker(p, port, dir);
            try {
                broker.awaitTopics(topics, within, log);
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Kafka broker in " + dir + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the Kafka broker started", e);
        }
    }

    private static Process java(Path libs, Path dir, Path log, String main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseSerialGC", "-Dlog4j2.level=WARN", "-cp", libs + "/*", main));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    private void awaitTopics(List<String> topics, Duration within, Path log) throws InterruptedException {
        ServerProcesses.awaitListening(process, port, System.nanoTime() + within.toNanos(), "the Kafka broker", log);
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.max(1000, within.toMillis()));
        try (Admin admin = Admin.create(props)) {
            for (String topic : topics) {
                try {
                    admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(within.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + topic + ": " + e.getCause().getMessage(), e);
                    }
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new IllegalStateException("the Kafka broker did not create topic " + topic + " within " + within + "; see " + log);
                }
            }
        }
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() {
        ServerProcesses.stop(process);
    }
}
