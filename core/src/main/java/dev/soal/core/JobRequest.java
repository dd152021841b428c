package dev.soal.core;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a trigger asks for: a script (a Spark SQL file, or a jar with {@code mainClass}) and its inputs.
 *
 * @param scriptUri      S3 URI of a {@code .sql} file or of a {@code .jar}
 * @param mainClass      the jar's main class; null for SQL scripts
 * @param inputUris      S3 objects or prefixes (ending in '/'); at least one
 * @param outputUri      where the job writes; may be null (the router then assigns one)
 * @param arguments      {@code NAME=value} pairs, {@code ${NAME}} in SQL, {@code --NAME value} for jars
 * @param tags           free-form labels, matched by policy rules
 * @param idempotencyKey a second request with the same key returns the first job; null means "derive one"
 * @param eventJson      the triggering event as JSON, passed to the script as {@code ${event}}
 * @param sparkConf      Spark SQL settings for this job's session (keys must be in the policies' allowlist)
 * @param eventUri       where the triggering event is kept when it is too large to travel in the record and on a
 *                       command line (a stream batch, up to 6 MB): an S3 object the runner reads; null otherwise
 * @param deadlineSeconds the time the job's result is wanted within, from its submit: the router picks the cheapest
 *                       backend predicted to meet it; null: no deadline
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
public record JobRequest(
        String scriptUri,
        String mainClass,
        List<String> inputUris,
        String outputUri,
        Map<String, String> arguments,
        Map<String, String> tags,
        String idempotencyKey,
        String eventJson,
        Map<String, String> sparkConf,
        String eventUri,
        Long deadlineSeconds) {

    private static final Pattern ARG_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final java.util.Set<String> RESERVED = java.util.Set.of("input", "inputs", "output", "event");

    public JobRequest {
        if (deadlineSeconds != null && deadlineSeconds <= 0) {
            throw new IllegalArgumentException("deadline must be > 0 seconds, but was " + deadlineSeconds);
        }
        if (scriptUri == null || scriptUri.isBlank()) {
            throw new IllegalArgumentException("scriptUri must be set");
        }
        S3Uri script = S3Uri.parse(scriptUri);
        if (script.isPrefix()) {
            throw new IllegalArgumentException("scriptUri must name an object, not a prefix, but was '" + scriptUri + "'");
        }
        boolean jar = script.key().endsWith(".jar");
        if (!jar && !script.key().endsWith(".sql")) {
            throw new IllegalArgumentException("scriptUri must end in .sql or .jar, but was '" + scriptUri + "'");
        }
        if (jar && (mainClass == null || mainClass.isBlank())) {
            throw new IllegalArgumentException("mainClass must be set for a jar script '" + scriptUri + "'");
        }
        if (inputUris == null || inputUris.isEmpty()) {
            throw new IllegalArgumentException("inputUris must name at least one S3 object or prefix");
        }
        for (String u : inputUris) {
            if (u == null) {
                throw new IllegalArgumentException("inputUris must not hold null");
            }
            S3Uri.parse(u);
        }
        if (outputUri != null) {
            S3Uri.parse(outputUri);
        }
        if (eventUri != null) {
            if (eventJson != null) {
                throw new IllegalArgumentException("a job carries its event either inline (eventJson) or by reference (eventUri), not both");
            }
            S3Uri.parse(eventUri);
        }
        arguments = copy(arguments, "arguments");
        checkArgumentNames(arguments);
        inputUris = List.copyOf(inputUris);
        tags = copy(tags, "tags");
        sparkConf = copy(sparkConf, "sparkConf");
        for (Map.Entry<String, String> e : sparkConf.entrySet()) {
            if (!e.getKey().startsWith("spark.")) {
                throw new IllegalArgumentException("sparkConf keys must start with 'spark.', but had '" + e.getKey() + "'");
            }
            if (e.getValue().chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException("sparkConf value of '" + e.getKey() + "' must not contain control"
                        + " characters such as a newline");
            }
        }
    }

    /** A job's argument names: {@code [A-Za-z_][A-Za-z0-9_]*}, and none of the runner's own ({@code input}, {@code event}...). */
    public static void checkArgumentNames(Map<String, String> arguments) {
        for (String name : arguments.keySet()) {
            if (!ARG_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("argument name must match " + ARG_NAME + ", but was '" + name + "'");
            }
            if (RESERVED.contains(name)) {
                throw new IllegalArgumentException("argument name '" + name + "' is reserved (" + RESERVED + ")");
            }
        }
    }

    private static Map<String, String> copy(Map<String, String> m, String field) {
        if (m == null) {
            return Map.of();
        }
        for (Map.Entry<String, String> e : m.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException(field + " must map names to strings, but '" + e.getKey() + "' had no value");
            }
        }
        return Map.copyOf(m);
    }

    /** A request without a deadline. */
    public JobRequest(String scriptUri, String mainClass, List<String> inputUris, String outputUri,
                      Map<String, String> arguments, Map<String, String> tags, String idempotencyKey, String eventJson,
                      Map<String, String> sparkConf, String eventUri) {
        this(scriptUri, mainClass, inputUris, outputUri, arguments, tags, idempotencyKey, eventJson, sparkConf, eventUri, null);
    }

    /** A request whose event, if any, travels inline. */
    public JobRequest(String scriptUri, String mainClass, List<String> inputUris, String outputUri,
                      Map<String, String> arguments, Map<String, String> tags, String idempotencyKey, String eventJson,
                      Map<String, String> sparkConf) {
        this(scriptUri, mainClass, inputUris, outputUri, arguments, tags, idempotencyKey, eventJson, sparkConf, null);
    }

    /** A request without Spark settings of its own. */
    public JobRequest(String scriptUri, String mainClass, List<String> inputUris, String outputUri,
                      Map<String, String> arguments, Map<String, String> tags, String idempotencyKey, String eventJson) {
        this(scriptUri, mainClass, inputUris, outputUri, arguments, tags, idempotencyKey, eventJson, Map.of());
    }

    /**
     * A hash of everything that defines the request: script, main class, inputs, the output as asked,
     * arguments, tags and Spark settings (not the idempotency key, nor the triggering event, which a
     * redelivery may word differently, nor the deadline, which changes where it runs, not what). Two requests under
     * one idempotency key must have the same one.
     */
    public String fingerprint() {
        java.util.Map<String, Object> canonical = new java.util.LinkedHashMap<>();
        canonical.put("script", scriptUri);
        canonical.put("mainClass", mainClass);
        canonical.put("inputs", inputUris);
        canonical.put("output", outputUri);
        canonical.put("arguments", new java.util.TreeMap<>(arguments));
        canonical.put("tags", new java.util.TreeMap<>(tags));
        canonical.put("sparkConf", new java.util.TreeMap<>(sparkConf));
        if (eventUri != null) {
            canonical.put("eventUri", eventUri); // a stream batch: its event is what it runs on
        }
        return Hashes.sha256(Json.write(canonical));
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isJar() {
        return S3Uri.parse(scriptUri).key().endsWith(".jar");
    }

    public JobRequest withOutputUri(String output) {
        return new JobRequest(scriptUri, mainClass, inputUris, output, arguments, tags, idempotencyKey, eventJson, sparkConf,
                eventUri, deadlineSeconds);
    }

    /** The same request with a deadline ({@code null}: none). */
    public JobRequest withDeadline(java.time.Duration deadline) {
        return new JobRequest(scriptUri, mainClass, inputUris, outputUri, arguments, tags, idempotencyKey, eventJson, sparkConf,
                eventUri, deadline == null ? null : deadline.toSeconds());
    }
}
