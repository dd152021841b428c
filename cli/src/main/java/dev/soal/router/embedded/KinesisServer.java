package dev.soal.router.embedded;

import dev.soal.embedded.s3.EmbeddedS3;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ResourceInUseException;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real Kinesis Data Streams API on loopback for the embedded default's Kinesis streams: kinesis-mock's Node.js
 * build (npm {@code kinesis-local}, fetched by the {@code embedded-kinesis} module), plain HTTP, its streams and
 * records persisted in the stack's home so they outlive a {@code soal serve}. It listens on one port per home, kept
 * in {@code <dir>/port}, and says where while it runs in {@code <dir>/endpoint}, which {@code soal produce} reads.
 * Streams live under the account the policies' ARNs name; each is created (one shard) unless it exists.
 */
public final class KinesisServer implements AutoCloseable {
    /** Where a running server says it listens, under its directory. */
    public static final String ENDPOINT_FILE = "endpoint";

    private final Process process;
    private final URI endpoint;
    private final Path dir;

    private KinesisServer(Process process, URI endpoint, Path dir) {
        this.process = process;
        this.endpoint = endpoint;
        this.dir = dir;
    }

    public URI endpoint() {
        return endpoint;
    }

    /** Whether {@code node} runs here: the server needs Node.js 18 or newer (CDK's synth needs it too). */
    static boolean nodeAvailable() {
        return dev.soal.cdk.SoalApp.nodeAvailable();
    }

    /**
     * Starts the server (data under {@code dir}) for the streams of one account, {@code streams} mapping each
     * stream's name to its region, and creates those that do not exist.
     */
    public static KinesisServer start(Path kinesisHome, Path dir, String account, Map<String, String> streams, Duration within) {
        Path main = kinesisHome.resolve("main.js");
        if (!Files.isRegularFile(main)) {
            throw new IllegalStateException(main + " is missing: build first (mvn -DskipTests package, or ./soal once)");
        }
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(dir.resolve(ENDPOINT_FILE));
            int port = port(dir);
            int tls = ServerProcesses.freePort();
            Path log = dir.resolve("kinesis.log");
            ProcessBuilder pb = new ProcessBuilder("node", main.toString()).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            Map<String, String> env = pb.environment();
            env.put("KINESIS_MOCK_PLAIN_PORT", String.valueOf(port));
            env.put("KINESIS_MOCK_TLS_PORT", String.valueOf(tls));
            env.put("KINESIS_MOCK_CERT_PATH", kinesisHome.resolve("server.json").toString());
            env.put("AWS_ACCOUNT_ID", account);
            env.put("SHOULD_PERSIST_DATA", "true");
            env.put("LOAD_DATA_IF_EXISTS", "true");
            env.put("PERSIST_PATH", dir.resolve("data").toString());
            env.put("PERSIST_INTERVAL", "1s");
            env.put("CREATE_STREAM_DURATION", "0ms");
            env.put("LOG_LEVEL", "WARN");
            Process p = pb.start();
            KinesisServer server = new KinesisServer(p, URI.create("http://127.0.0.1:" + port), dir);
            try {
                server.awaitStreams(account, streams, within, log);
                Files.writeString(dir.resolve(ENDPOINT_FILE), server.endpoint + "\n", StandardCharsets.UTF_8);
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Kinesis server in " + dir + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the Kinesis server started", e);
        }
    }

    /** The port this home's server listens on: the one it had, unless something else took it. */
    private static int port(Path dir) throws IOException {
        Path file = dir.resolve("port");
        if (Files.exists(file)) {
            try {
                int kept = Integer.parseInt(Files.readString(file).strip());
                if (!ServerProcesses.portTaken(kept)) {
                    return kept;
                }
            } catch (NumberFormatException e) {
                // written by something else: choose again
            }
        }
        int port = ServerProcesses.freePort();
        Files.writeString(file, port + "\n", StandardCharsets.UTF_8);
        return port;
    }

    /** The endpoint of the server running for a stack home, or null when none runs there. */
    public static URI running(Path dir) {
        Path file = dir.resolve(ENDPOINT_FILE);
        try {
            if (!Files.exists(file)) {
                return null;
            }
            URI endpoint = URI.create(Files.readString(file).strip());
            return ServerProcesses.portTaken(endpoint.getPort()) ? endpoint : null;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /** A Kinesis client for the server at {@code endpoint}, signing for {@code region} with the stack's keys. */
    public static KinesisClient client(URI endpoint, String region) {
        return KinesisClient.builder().endpointOverride(endpoint).region(Region.of(region))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY)))
                .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(5)).socketTimeout(Duration.ofSeconds(30)))
                .build();
    }

    private void awaitStreams(String account, Map<String, String> streams, Duration within, Path log) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        ServerProcesses.awaitListening(process, endpoint.getPort(), deadline, "the Kinesis server", log);
        List<String> pending = new ArrayList<>(streams.keySet());
        while (!pending.isEmpty()) {
            String name = pending.get(0);
            try (KinesisClient kinesis = client(endpoint, streams.get(name))) {
                StreamStatus status;
                try {
                    status = kinesis.describeStreamSummary(r -> r.streamName(name)).streamDescriptionSummary().streamStatus();
                } catch (ResourceNotFoundException e) {
                    try {
                        kinesis.createStream(r -> r.streamName(name).shardCount(1));
                    } catch (ResourceInUseException raced) {
                        // created meanwhile
                    }
                    status = StreamStatus.CREATING;
                }
                if (status == StreamStatus.ACTIVE) {
                    pending.remove(0);
                    continue;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the Kinesis server did not make stream " + name + " (account " + account + ") active within "
                        + within + "; see " + log);
            }
            Thread.sleep(200);
        }
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(dir.resolve(ENDPOINT_FILE));
        } catch (IOException e) {
            // the endpoint check also asks whether the port answers
        }
        ServerProcesses.stop(process);
    }
}
