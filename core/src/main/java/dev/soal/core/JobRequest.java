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
 */
public record JobRequest(
        String scriptUri,
        String mainClass,
        List<String> inputUris,
        String outputUri,
        Map<String, String> arguments,
        Map<String, String> tags,
        String idempotencyKey,
        String eventJson,
        Map<String, String> sparkConf) {

    private static final Pattern ARG_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final java.util.Set<String> RESERVED = java.util.Set.of("input", "inputs", "output", "event");

    public JobRequest {
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
        inputUris.forEach(S3Uri::parse);
        if (outputUri != null) {
            S3Uri.parse(outputUri);
        }
        arguments = arguments == null ? Map.of() : Map.copyOf(arguments);
        for (String name : arguments.keySet()) {
            if (!ARG_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("argument name must match " + ARG_NAME + ", but was '" + name + "'");
            }
            if (RESERVED.contains(name)) {
                throw new IllegalArgumentException("argument name '" + name + "' is reserved (" + RESERVED + ")");
            }
        }
        inputUris = List.copyOf(inputUris);
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        sparkConf = sparkConf == null ? Map.of() : Map.copyOf(sparkConf);
        for (String key : sparkConf.keySet()) {
            if (!key.startsWith("spark.")) {
                throw new IllegalArgumentException("sparkConf keys must start with 'spark.', but had '" + key + "'");
            }
        }
    }

    /** A request without Spark settings of its own. */
    public JobRequest(String scriptUri, String mainClass, List<String> inputUris, String outputUri,
                      Map<String, String> arguments, Map<String, String> tags, String idempotencyKey, String eventJson) {
        this(scriptUri, mainClass, inputUris, outputUri, arguments, tags, idempotencyKey, eventJson, Map.of());
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isJar() {
        return S3Uri.parse(scriptUri).key().endsWith(".jar");
    }

    public JobRequest withOutputUri(String output) {
        return new JobRequest(scriptUri, mainClass, inputUris, output, arguments, tags, idempotencyKey, eventJson, sparkConf);
    }
}
