package dev.soal.core;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.core.JsonProcessingException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The runner's command line, written by the router and read by the runner, the same on every cluster
 * path (spark-submit, EMR Serverless {@code entryPointArguments}, Glue {@code Arguments}). Every flag
 * takes exactly one value, because Glue passes a map: inputs are a JSON array and arguments a JSON
 * object. Flags the runner does not know ({@code --JOB_NAME}, {@code --TempDir}, ...) are skipped with
 * their value.
 *
 * @param jobStore where to report state ({@code s3://bucket/prefix/}); null to report nowhere
 * @param tables   the {@code soal} catalog the run's session gets ({@code --catalog}, {@code --warehouse}); none: the
 *                 runner's environment decides ({@code SOAL_CATALOG}, {@code SOAL_WAREHOUSE})
 * @param eventUri the S3 object holding the event ({@code --event-uri}), for events too large for a command line
 *                 (Linux caps one argument at 128 KiB; a stream batch may be 6 MB); the runner reads it
 */
public record RunnerArgs(String jobId, String jobStore, String scriptUri, String mainClass,
                         List<String> inputUris, String outputUri, Map<String, String> arguments, String eventJson,
                         Map<String, String> sparkConf, TableSettings tables, String eventUri) {

    public RunnerArgs {
        if (jobId == null || jobId.isBlank()) {
            throw new IllegalArgumentException("--job-id must be set");
        }
        if (scriptUri == null || scriptUri.isBlank()) {
            throw new IllegalArgumentException("--script must be set");
        }
        inputUris = inputUris == null ? List.of() : List.copyOf(inputUris);
        arguments = arguments == null ? Map.of() : Map.copyOf(arguments);
        sparkConf = sparkConf == null ? Map.of() : Map.copyOf(sparkConf);
        tables = tables == null ? TableSettings.none() : tables;
    }

    public RunnerArgs(String jobId, String jobStore, String scriptUri, String mainClass, List<String> inputUris,
                      String outputUri, Map<String, String> arguments, String eventJson, Map<String, String> sparkConf,
                      TableSettings tables) {
        this(jobId, jobStore, scriptUri, mainClass, inputUris, outputUri, arguments, eventJson, sparkConf, tables, null);
    }

    public RunnerArgs(String jobId, String jobStore, String scriptUri, String mainClass, List<String> inputUris,
                      String outputUri, Map<String, String> arguments, String eventJson, Map<String, String> sparkConf) {
        this(jobId, jobStore, scriptUri, mainClass, inputUris, outputUri, arguments, eventJson, sparkConf, TableSettings.none());
    }

    public RunnerArgs(String jobId, String jobStore, String scriptUri, String mainClass, List<String> inputUris,
                      String outputUri, Map<String, String> arguments, String eventJson) {
        this(jobId, jobStore, scriptUri, mainClass, inputUris, outputUri, arguments, eventJson, Map.of());
    }

    public static RunnerArgs of(JobRecord job, String jobStore) {
        return of(job, jobStore, TableSettings.none());
    }

    /** The job's run on a cluster, reporting to {@code jobStore}, with the {@code soal} catalog of {@code tables}. */
    public static RunnerArgs of(JobRecord job, String jobStore, TableSettings tables) {
        JobRequest r = job.request();
        return new RunnerArgs(job.id(), jobStore, r.scriptUri(), r.mainClass(), r.inputUris(), r.outputUri(),
                r.arguments(), r.eventJson(), r.sparkConf(), tables, r.eventUri());
    }

    /** The same run reading {@code inputs} and writing {@code output} instead (staged copies, say); all else kept. */
    public RunnerArgs withIo(List<String> inputs, String output) {
        return new RunnerArgs(jobId, jobStore, scriptUri, mainClass, inputs, output, arguments, eventJson, sparkConf, tables, eventUri);
    }

    public List<String> toArgs() {
        Map<String, String> m = toMap();
        List<String> out = new ArrayList<>();
        m.forEach((k, v) -> {
            out.add(k);
            out.add(v);
        });
        return out;
    }

    /** The flags as a map, the shape Glue's {@code Arguments} takes. */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("--job-id", jobId);
        if (jobStore != null) {
            m.put("--job-store", jobStore);
        }
        m.put("--script", scriptUri);
        if (mainClass != null) {
            m.put("--main-class", mainClass);
        }
        m.put("--inputs", Json.write(inputUris));
        if (outputUri != null) {
            m.put("--output", outputUri);
        }
        if (!arguments.isEmpty()) {
            m.put("--args", Json.write(arguments));
        }
        if (eventJson != null) {
            m.put("--event", eventJson);
        }
        if (eventUri != null) {
            m.put("--event-uri", eventUri);
        }
        if (!sparkConf.isEmpty()) {
            m.put("--spark-conf", Json.write(sparkConf));
        }
        if (tables.catalog() != null) {
            m.put("--catalog", tables.catalog());
            m.put("--warehouse", tables.warehouse());
        }
        return m;
    }

    /** The flags the runner reads; every one takes a value. */
    public static final java.util.Set<String> FLAGS = java.util.Set.of("--job-id", "--job-store", "--script",
            "--main-class", "--inputs", "--output", "--args", "--event", "--event-uri", "--spark-conf", "--catalog", "--warehouse");

    /**
     * Reads the runner's flags. Others are skipped: with their value, unless the next word is itself a
     * flag (Glue and EMR add flags of their own, some without a value).
     */
    public static RunnerArgs parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (!flag.startsWith("--")) {
                throw new IllegalArgumentException("expected a --flag at position " + i + ", but was '" + flag + "'");
            }
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (!FLAGS.contains(flag)) {
                if (value != null && !value.startsWith("--")) {
                    i++;
                }
                continue;
            }
            if (value == null) {
                throw new IllegalArgumentException("flag " + flag + " needs a value");
            }
            m.put(flag, value);
            i++;
        }
        try {
            List<String> inputs = m.containsKey("--inputs")
                    ? Json.mapper().readValue(m.get("--inputs"), new TypeReference<List<String>>() { })
                    : List.of();
            Map<String, String> arguments = m.containsKey("--args")
                    ? Json.mapper().readValue(m.get("--args"), new TypeReference<Map<String, String>>() { })
                    : Map.of();
            Map<String, String> sparkConf = m.containsKey("--spark-conf")
                    ? Json.mapper().readValue(m.get("--spark-conf"), new TypeReference<Map<String, String>>() { })
                    : Map.of();
            return new RunnerArgs(m.get("--job-id"), m.get("--job-store"), m.get("--script"), m.get("--main-class"),
                    inputs, m.get("--output"), arguments, m.get("--event"), sparkConf,
                    TableSettings.of(m.get("--catalog"), m.get("--warehouse")), m.get("--event-uri"));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("--inputs must be a JSON array, --args and --spark-conf JSON objects: "
                    + e.getOriginalMessage(), e);
        }
    }
}
