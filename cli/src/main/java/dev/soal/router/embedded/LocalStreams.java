package dev.soal.router.embedded;

import dev.soal.core.StreamBinding;
import dev.soal.policies.Policies;
import dev.soal.policies.StreamPolicy;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The policies' streams on the embedded default, as {@code soal serve} runs them: a Kafka broker on the loopback
 * address the Kafka streams name (one broker for all of them), their topics, and one local event source mapping per
 * stream invoking its tier's runtime function through the local Lambda service. Streams the embedded default cannot
 * serve (MSK clusters, brokers elsewhere, Kinesis) are named and left alone.
 */
final class LocalStreams implements AutoCloseable {
    private final KafkaBroker broker;
    private final List<LocalKafkaMapping> mappings;

    private LocalStreams(KafkaBroker broker, List<LocalKafkaMapping> mappings) {
        this.broker = broker;
        this.mappings = mappings;
    }

    /** Starts what the policies' streams need, or nothing when they name no Kafka stream on loopback. */
    static LocalStreams start(Policies policies, Path kafkaHome, Path dir, LocalLambdaService lambda, S3Client s3,
                              Consumer<String> output) {
        List<StreamPolicy> served = new ArrayList<>();
        String address = null;
        for (StreamPolicy s : policies.streams()) {
            StreamBinding b = s.binding();
            String servers = b.bootstrapServers();
            if (!s.kafka() || servers == null || servers.contains(",") || !(servers.startsWith("127.0.0.1:") || servers.startsWith("localhost:"))) {
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
            served.add(s);
        }
        if (served.isEmpty()) {
            return null;
        }
        int port = Integer.parseInt(address.substring(address.indexOf(':') + 1));
        KafkaBroker broker = KafkaBroker.start(kafkaHome, dir, port, served.stream().map(s -> s.binding().topic()).distinct().toList(),
                Duration.ofSeconds(90));
        output.accept("kafka broker at " + broker.bootstrap() + " (topics " + served.stream().map(s -> s.binding().topic()).distinct().toList()
                + ", data in " + dir + ")");
        List<LocalKafkaMapping> mappings = new ArrayList<>();
        for (StreamPolicy s : served) {
            String function = EmbeddedStack.RUNTIME_FUNCTION.replace("{memoryMb}", String.valueOf(s.binding().memoryMb()));
            LocalKafkaMapping m = new LocalKafkaMapping(s, broker.bootstrap(), lambda, function, s3, output);
            m.start();
            mappings.add(m);
            output.accept("stream " + s.binding().name() + ": topic " + s.binding().topic() + " -> " + function
                    + " (batches of up to " + s.batchSize() + ", window " + s.batchingWindowSeconds() + " s, group " + s.consumerGroup() + ")");
        }
        return new LocalStreams(broker, mappings);
    }

    @Override
    public void close() {
        mappings.forEach(LocalKafkaMapping::close);
        broker.close();
    }
}
