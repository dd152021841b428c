package dev.soal.core;

import com.fasterxml.jackson.core.type.TypeReference;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a runtime function needs to know of one stream of the policies to run its batches: where the batches come
 * from, and which script runs on them. The stack writes the bindings of a function's streams into its environment
 * ({@link #ENV}, JSON), the embedded stack does the same for the local Lambda service, and the runtime matches each
 * event source mapping's event against them.
 *
 * @param name             the stream's name in the policies (unique): it names the stream's jobs
 * @param source           {@code kinesis} or {@code kafka}
 * @param arn              the Kinesis stream's ARN, or the MSK cluster's ARN; null for a self-managed Kafka
 * @param bootstrapServers a self-managed Kafka's bootstrap servers ({@code host:port,...}); null otherwise
 * @param topic            the Kafka topic; null for Kinesis
 * @param script           the script every batch runs ({@code .sql}, or a {@code .jar} with {@code mainClass})
 * @param memoryMb         the runtime function's memory tier
 */
public record StreamBinding(String name, String source, String arn, String bootstrapServers, String topic,
                            String script, String mainClass, Map<String, String> arguments, int memoryMb) {
    /** The runtime's environment variable that holds its bindings, a JSON array. */
    public static final String ENV = "SOAL_STREAMS";
    public static final String KINESIS = "kinesis";
    public static final String KAFKA = "kafka";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    public StreamBinding {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a stream's name must be 1-64 letters, digits, '_' or '-' (starting with a letter"
                    + " or digit), but was '" + name + "'");
        }
        if (!KINESIS.equals(source) && !KAFKA.equals(source)) {
            throw new IllegalArgumentException("stream '" + name + "' source must be kinesis or kafka, but was '" + source + "'");
        }
        if (KINESIS.equals(source) && (arn == null || topic != null || bootstrapServers != null)) {
            throw new IllegalArgumentException("Kinesis stream '" + name + "' must name its stream's ARN, and no topic or bootstrap servers");
        }
        if (KAFKA.equals(source) && ((arn == null) == (bootstrapServers == null) || topic == null || topic.isBlank())) {
            throw new IllegalArgumentException("Kafka stream '" + name + "' must name a topic, and either an MSK cluster's ARN"
                    + " or a self-managed Kafka's bootstrap servers");
        }
        if (script == null) {
            throw new IllegalArgumentException("stream '" + name + "' must name a script");
        }
        S3Uri s = S3Uri.parse(script);
        boolean jar = s.key().endsWith(".jar");
        if (!jar && !s.key().endsWith(".sql")) {
            throw new IllegalArgumentException("stream '" + name + "' script must end in .sql or .jar, but was '" + script + "'");
        }
        if (jar && (mainClass == null || mainClass.isBlank())) {
            throw new IllegalArgumentException("stream '" + name + "' runs a jar: it must name its mainClass");
        }
        arguments = arguments == null ? Map.of() : Map.copyOf(arguments);
        JobRequest.checkArgumentNames(arguments);
    }

    /** The Kinesis stream's name, or the Kafka topic: what the {@code records} view calls {@code stream}. */
    public String streamName() {
        return KINESIS.equals(source) ? arn.substring(arn.lastIndexOf('/') + 1) : topic;
    }

    /**
     * Whether an event's batch is this stream's: a Kinesis event by its {@code eventSourceARN}; a Kafka event by its
     * {@code eventSourceArn} (MSK) or {@code bootstrapServers} (self-managed), and its topic.
     */
    public boolean matches(String eventSource, String eventArn, String eventBootstrap, String eventTopic) {
        if (!source.equals(eventSource)) {
            return false;
        }
        if (KINESIS.equals(source)) {
            return arn.equals(eventArn);
        }
        boolean cluster = arn != null ? arn.equals(eventArn)
                : eventBootstrap != null && sameServers(bootstrapServers, eventBootstrap);
        return cluster && topic.equals(eventTopic);
    }

    private static boolean sameServers(String a, String b) {
        return new java.util.TreeSet<>(List.of(a.split("\\s*,\\s*"))).equals(new java.util.TreeSet<>(List.of(b.split("\\s*,\\s*"))));
    }

    public static String toJson(List<StreamBinding> bindings) {
        return Json.write(bindings);
    }

    /** The bindings of {@link #ENV}; none when it is unset or blank. */
    public static List<StreamBinding> fromEnvironment(Map<String, String> env) {
        String json = env.get(ENV);
        if (json == null || json.isBlank()) {
            return List.of();
        }
        try {
            return List.copyOf(Json.mapper().readValue(json, new TypeReference<List<StreamBinding>>() { }));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(ENV + " must be a JSON array of stream bindings: " + e.getOriginalMessage(), e);
        }
    }
}
