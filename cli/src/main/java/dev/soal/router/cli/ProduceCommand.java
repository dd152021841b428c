package dev.soal.router.cli;

import dev.soal.policies.Policies;
import dev.soal.policies.StreamPolicy;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import dev.soal.router.embedded.KinesisServer;
import picocli.CommandLine.Command;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * {@code soal produce}: sends each line of a file as one record to a stream of the policies: a Kafka stream's topic on its
 * bootstrap servers (on the embedded default, the broker {@code soal serve} runs), or a Kinesis stream on the Kinesis
 * server {@code soal serve} runs for the same home. Exit 0 once the server has every record; 2 for bad input.
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Send each line of a file as a record to a Kafka or Kinesis stream of the policies (the servers soal serve runs).")
final class ProduceCommand implements Callable<Integer> {
    @Option(names = "--stream", required = true, description = "The stream's name in the policies.")
    String stream;

    @Option(names = "--file", required = true, description = "A text file; each non-empty line is one record's value (JSON Lines, say).")
    Path file;

    @Option(names = "--key-field", description = "A JSON field whose value is the record's key (Kinesis: its partition key; records of one key keep their order).")
    String keyField;

    @picocli.CommandLine.Mixin
    EmbeddedOptions embedded = new EmbeddedOptions();

    @Override
    public Integer call() {
        Policies policies = embedded.policiesOrSay("produce");
        if (policies == null) {
            return 2;
        }
        StreamPolicy s = policies.streams().stream().filter(p -> p.binding().name().equals(stream)).findFirst().orElse(null);
        if (s == null || (s.kafka() && s.binding().bootstrapServers() == null)) {
            System.err.println("soal produce: the policies name no Kinesis stream, and no Kafka stream with bootstrapServers, called '"
                    + stream + "' (they name " + policies.streams().stream().map(p -> p.binding().name()).toList() + ")");
            return 2;
        }
        List<String> lines;
        try (java.util.stream.Stream<String> all = Files.lines(file, StandardCharsets.UTF_8)) {
            lines = all.filter(l -> !l.isBlank()).toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            System.err.println("soal produce: cannot read " + file + ": " + e.getMessage());
            return 2;
        }
        return s.kafka() ? kafka(s, lines) : kinesis(s, lines);
    }

    /** Each line to the embedded Kinesis server's stream, in PutRecords calls of up to 500, resending what it refuses. */
    private int kinesis(StreamPolicy s, List<String> lines) {
        java.net.URI endpoint = KinesisServer.running(embedded.stackHome().resolve("kinesis"));
        if (endpoint == null) {
            System.err.println("soal produce: no Kinesis server runs for the stack in " + embedded.stackHome()
                    + " (start soal serve with these policies, and the same --home)");
            return 1;
        }
        String arn = s.binding().arn();
        String name = arn.substring(arn.indexOf(":stream/") + ":stream/".length());
        try (KinesisClient kinesis = KinesisServer.client(endpoint, arn.split(":")[3])) {
            for (int from = 0; from < lines.size(); from += 500) {
                List<PutRecordsRequestEntry> pending = new ArrayList<>();
                for (int i = from; i < Math.min(lines.size(), from + 500); i++) {
                    byte[] key = keyField == null ? null : key(lines.get(i));
                    pending.add(PutRecordsRequestEntry.builder().data(SdkBytes.fromUtf8String(lines.get(i)))
                            .partitionKey(key == null ? String.valueOf(i) : new String(key, StandardCharsets.UTF_8)).build());
                }
                for (int attempt = 0; !pending.isEmpty(); attempt++) {
                    List<PutRecordsRequestEntry> sending = pending;
                    List<PutRecordsResultEntry> results = kinesis.putRecords(r -> r.streamName(name).records(sending)).records();
                    pending = new ArrayList<>();
                    for (int i = 0; i < results.size(); i++) {
                        if (results.get(i).errorCode() != null) {
                            pending.add(sending.get(i));
                        }
                    }
                    if (!pending.isEmpty() && attempt >= 5) {
                        System.err.println("soal produce: the Kinesis server refused " + pending.size() + " record(s) five times: "
                                + results.stream().filter(x -> x.errorCode() != null).findFirst().map(PutRecordsResultEntry::errorMessage).orElse(""));
                        return 1;
                    }
                }
            }
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
            System.err.println("soal produce: the Kinesis server at " + endpoint + " did not take the records: " + e.getMessage());
            return 1;
        }
        System.out.println("sent " + lines.size() + " record(s) to Kinesis stream " + name + " at " + endpoint);
        return 0;
    }

    /** Each line to the Kafka stream's topic, waiting for the broker to have each. */
    private int kafka(StreamPolicy s, List<String> lines) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.binding().bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        int sent = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (String line : lines) {
                byte[] key = keyField == null ? null : key(line);
                producer.send(new ProducerRecord<>(s.binding().topic(), key, line.getBytes(StandardCharsets.UTF_8))).get();
                sent++;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (java.util.concurrent.ExecutionException | org.apache.kafka.common.KafkaException e) {
            System.err.println("soal produce: the broker at " + s.binding().bootstrapServers() + " did not take record " + (sent + 1)
                    + " (is soal serve running with these policies?): " + (e.getCause() == null ? e : e.getCause()).getMessage());
            return 1;
        }
        System.out.println("sent " + sent + " record(s) to topic " + s.binding().topic() + " at " + s.binding().bootstrapServers());
        return 0;
    }

    private byte[] key(String line) {
        try {
            Object v = dev.soal.core.Json.read(line, java.util.Map.class).get(keyField);
            return v == null ? null : v.toString().getBytes(StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            return null; // not JSON: no key
        }
    }
}
