package dev.soal.router.embedded;

import dev.soal.core.StreamBinding;
import dev.soal.policies.Policies;
import dev.soal.policies.StreamPolicy;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The policies' streams on the embedded default, as {@code soal serve} runs them: a Kafka broker on the loopback
 * address the Kafka streams name (one broker for all of them) with their topics, a Kinesis server with the Kinesis
 * streams (those of one account), and one local event source mapping per stream invoking its tier's runtime
 * function through the local Lambda service. Streams the embedded default cannot serve (MSK clusters, brokers
 * elsewhere, Kinesis without Node.js) are named and left alone.
 */
final class LocalStreams implements AutoCloseable {
    private final List<AutoCloseable> servers;
    private final List<LocalEventSourceMapping<?>> mappings;

    private LocalStreams(List<AutoCloseable> servers, List<LocalEventSourceMapping<?>> mappings) {
        this.servers = servers;
        this.mappings = mappings;
    }

    /** Starts what the policies' streams need, or nothing when they name no stream the embedded default serves. */
    static LocalStreams start(Policies policies, Path kafkaHome, Path kinesisHome, Path home, LocalLambdaService lambda, S3Client s3,
                              Consumer<String> output) {
        List<StreamPolicy> kafka = new ArrayList<>();
        List<StreamPolicy> kinesis = new ArrayList<>();
        String address = null;
        String account = null;
        for (StreamPolicy s : policies.streams()) {
            StreamBinding b = s.binding();
            if (!s.kafka()) {
                String owner = b.arn().split(":")[4];
                if (account != null && !account.equals(owner)) {
                    output.accept("stream " + b.name() + ": not polled: the embedded Kinesis server holds account " + account
                            + "'s streams, it names account " + owner);
                } else if (!KinesisServer.nodeAvailable()) {
                    output.accept("stream " + b.name() + ": not polled: the embedded Kinesis server runs on Node.js (18 or newer),"
                            + " and there is no node on the PATH; run its batches with soal run --event");
                } else {
                    account = owner;
                    kinesis.add(s);
                }
                continue;
            }
            String servers = b.bootstrapServers();
            if (servers == null || servers.contains(",") || !(servers.startsWith("127.0.0.1:") || servers.startsWith("localhost:"))) {
                output.accept("stream " + b.name() + ": not polled on the embedded default (it polls Kafka streams on one"
                        + " loopback broker, 127.0.0.1:PORT); run its batches with soal run --event");
                continue;
            }
            String here = "127.0.0.1:" + servers.substring(servers.indexOf(':') + 1);
            if (address != null && !address.equals(here)) {
                output.accept("stream " + b.name() + ": not polled: the embedded broker is at " + address + ", it names " + servers);
                continue;
            }
            address = here;
            kafka.add(s);
        }
        List<AutoCloseable> servers = new ArrayList<>();
        List<LocalEventSourceMapping<?>> mappings = new ArrayList<>();
        try {
            if (!kafka.isEmpty()) {
                int port = Integer.parseInt(address.substring(address.indexOf(':') + 1));
                List<String> topics = kafka.stream().map(s -> s.binding().topic()).distinct().toList();
                KafkaBroker broker = KafkaBroker.start(kafkaHome, home.resolve("kafka"), port, topics, Duration.ofSeconds(90));
                servers.add(broker);
                output.accept("kafka broker at " + broker.bootstrap() + " (topics " + topics + ", data in " + broker.dir() + ")");
                for (StreamPolicy s : kafka) {
                    String function = function(s);
                    mappings.add(new LocalKafkaMapping(s, broker.bootstrap(), lambda, function, s3, output));
                    output.accept("stream " + s.binding().name() + ": topic " + s.binding().topic() + " -> " + function
                            + " (batches of up to " + s.batchSize() + ", window " + s.batchingWindowSeconds() + " s, group "
                            + s.consumerGroup() + ")");
                }
            }
            if (!kinesis.isEmpty()) {
                Map<String, String> regions = new LinkedHashMap<>();
                kinesis.forEach(s -> regions.put(name(s), s.binding().arn().split(":")[3]));
                KinesisServer server = KinesisServer.start(kinesisHome, home.resolve("kinesis"), account, regions, Duration.ofSeconds(90));
                servers.add(server);
                output.accept("kinesis server at " + server.endpoint() + " (streams " + List.copyOf(regions.keySet()) + ", data in "
                        + server.dir() + ")");
                for (StreamPolicy s : kinesis) {
                    String function = function(s);
                    mappings.add(new LocalKinesisMapping(s, server.endpoint(), lambda, function, s3, output));
                    output.accept("stream " + s.binding().name() + ": kinesis stream " + name(s) + " -> " + function
                            + " (batches of up to " + s.batchSize() + " per shard, window " + s.batchingWindowSeconds() + " s)");
                }
            }
        } catch (RuntimeException e) {
            new LocalStreams(servers, mappings).close();
            throw e;
        }
        if (mappings.isEmpty()) {
            return null;
        }
        mappings.forEach(LocalEventSourceMapping::start);
        return new LocalStreams(servers, mappings);
    }

    private static String function(StreamPolicy s) {
        return EmbeddedStack.RUNTIME_FUNCTION.replace("{memoryMb}", String.valueOf(s.binding().memoryMb()));
    }

    /** A Kinesis stream's name, from its ARN. */
    private static String name(StreamPolicy s) {
        return s.binding().arn().substring(s.binding().arn().indexOf(":stream/") + ":stream/".length());
    }

    @Override
    public void close() {
        mappings.forEach(LocalEventSourceMapping::close);
        for (AutoCloseable server : servers) {
            try {
                server.close();
            } catch (Exception e) {
                // closing: the process is stopped or gone
            }
        }
    }
}
