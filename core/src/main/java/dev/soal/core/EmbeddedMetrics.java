package dev.soal.core;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CloudWatch Embedded Metric Format: one JSON log line that CloudWatch Logs turns into metrics. In
 * Lambda this is how metrics leave a function: written to standard output before the invocation
 * returns, so nothing waits on a background thread that Lambda freezes between invocations.
 *
 * <pre>{@code
 * System.out.println(EmbeddedMetrics.line("SoAL", Map.of("backend", "lambda", "state", "SUCCEEDED"),
 *         List.of(new EmbeddedMetrics.Value("soal.jobs.finished", 1, "Count")), Instant.now()));
 * }</pre>
 */
public final class EmbeddedMetrics {
    private EmbeddedMetrics() {
    }

    /** One metric's value and unit ({@code Count}, {@code Milliseconds}, ...). */
    public record Value(String name, double value, String unit) {
    }

    /** True for a line {@link #line} wrote: CloudWatch Logs' business, not the terminal's. */
    public static boolean isLine(String logLine) {
        return logLine.startsWith("{\"_aws\":");
    }

    public static String line(String namespace, Map<String, String> dimensions, List<Value> values, Instant at) {
        return line(namespace, dimensions, List.of(List.copyOf(dimensions.keySet())), values, at);
    }

    /**
     * One line whose values CloudWatch records once under each dimension set (each a subset of
     * {@code dimensions}' names): {@code [[backend, state], [backend]]} gives per backend and state, and per backend.
     */
    public static String line(String namespace, Map<String, String> dimensions, List<List<String>> dimensionSets,
                              List<Value> values, Instant at) {
        for (List<String> set : dimensionSets) {
            if (!dimensions.keySet().containsAll(set)) {
                throw new IllegalArgumentException("dimension set " + set + " names a dimension not in " + dimensions.keySet());
            }
        }
        Map<String, Object> metricSet = new LinkedHashMap<>();
        metricSet.put("Namespace", namespace);
        metricSet.put("Dimensions", dimensionSets.stream().map(List::copyOf).toList());
        metricSet.put("Metrics", values.stream().map(v -> Map.of("Name", v.name(), "Unit", v.unit())).toList());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("_aws", Map.of("Timestamp", at.toEpochMilli(), "CloudWatchMetrics", List.of(metricSet)));
        doc.putAll(dimensions);
        values.forEach(v -> doc.put(v.name(), v.value()));
        return Json.write(doc);
    }
}
