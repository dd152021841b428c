package dev.soal.router.cli;

import dev.soal.policies.Policies;
import dev.soal.policies.StreamPolicy;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * {@code soal produce}: sends each line of a file as one record to a Kafka stream of the policies (its topic, on its
 * bootstrap servers: on the embedded default, the broker {@code soal serve} runs). Exit 0 once the broker has every
 * record; 2 for bad input.
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Send each line of a file as a record to a Kafka stream of the policies (the broker soal serve runs).")
final class ProduceCommand implements Callable<Integer> {
    @Option(names = "--stream", required = true, description = "The stream's name in the policies.")
    String stream;

    @Option(names = "--file", required = true, description = "A text file; each non-empty line is one record's value (JSON Lines, say).")
    Path file;

    @Option(names = "--key-field", description = "A JSON field whose value is the record's key (records of one key keep their order).")
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
        if (s == null || !s.kafka() || s.binding().bootstrapServers() == null) {
            System.err.println("soal produce: the policies name no Kafka stream '" + stream + "' with bootstrapServers (they name "
                    + policies.streams().stream().map(p -> p.binding().name()).toList() + ")");
            return 2;
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.binding().bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        int sent = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                byte[] key = keyField == null ? null : key(line);
                producer.send(new ProducerRecord<>(s.binding().topic(), key, line.getBytes(StandardCharsets.UTF_8))).get();
                sent++;
            }
        } catch (IOException e) {
            System.err.println("soal produce: cannot read " + file + ": " + e.getMessage());
            return 2;
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
