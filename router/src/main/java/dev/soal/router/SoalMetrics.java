package dev.soal.router;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.io.PrintStream;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The router's meters: {@code soal.jobs.submitted} (by backend), {@code soal.submit.latency},
 * {@code soal.backend.errors} (by backend, code), {@code soal.jobs.stuck}, {@code soal.jobs.cost.usd}, and the
 * resilience4j circuit breaker and retry meters, kept in a {@code SimpleMeterRegistry}. In AWS they reach
 * CloudWatch as Embedded Metric Format lines ({@link EmfFlusher}, at the end of every invocation); locally
 * they are printed. Ended jobs are counted apart, once per job wherever it ended ({@link dev.soal.core.JobOutcomes}).
 */
public final class SoalMetrics {
    private SoalMetrics() {
    }

    /**
     * Writes what was counted since the last flush as Embedded Metric Format lines, one per meter that
     * moved: counters as their increase, timers as the number of events and their total time.
     */
    public static final class EmfFlusher {
        private final String namespace;
        private final java.util.Map<Meter.Id, double[]> last = new java.util.concurrent.ConcurrentHashMap<>();

        public EmfFlusher(String namespace) {
            this.namespace = namespace;
        }

        public synchronized void flush(MeterRegistry registry, PrintStream out) {
            java.time.Instant now = java.time.Instant.now();
            for (Meter m : registry.getMeters()) {
                double count;
                double millis = 0;
                if (m instanceof Counter c) {
                    count = c.count();
                } else if (m instanceof FunctionCounter c) {
                    count = c.count();
                } else if (m instanceof Timer t) {
                    count = t.count();
                    millis = t.totalTime(TimeUnit.MILLISECONDS);
                } else {
                    continue;
                }
                double[] before = last.getOrDefault(m.getId(), new double[2]);
                double dCount = count - before[0];
                double dMillis = millis - before[1];
                last.put(m.getId(), new double[]{count, millis});
                if (dCount <= 0) {
                    continue;
                }
                java.util.Map<String, String> dims = new java.util.LinkedHashMap<>();
                m.getId().getTags().forEach(t -> dims.put(t.getKey(), t.getValue()));
                java.util.List<dev.soal.core.EmbeddedMetrics.Value> values = m instanceof Timer
                        ? java.util.List.of(new dev.soal.core.EmbeddedMetrics.Value(m.getId().getName() + ".count", dCount, "Count"),
                        new dev.soal.core.EmbeddedMetrics.Value(m.getId().getName() + ".time", dMillis, "Milliseconds"))
                        : java.util.List.of(new dev.soal.core.EmbeddedMetrics.Value(m.getId().getName(), dCount, "Count"));
                out.println(dev.soal.core.EmbeddedMetrics.line(namespace, dims, values, now));
            }
        }
    }

    /** One line per meter, sorted by name: what the router counted. */
    public static void print(MeterRegistry registry, PrintStream out) {
        registry.getMeters().stream()
                .sorted(Comparator.comparing((Meter m) -> m.getId().getName()).thenComparing(m -> m.getId().getTags().toString()))
                .forEach(m -> {
                    String tags = m.getId().getTags().stream().map(t -> t.getKey() + "=" + t.getValue())
                            .collect(Collectors.joining(",", "{", "}"));
                    String value;
                    if (m instanceof Counter c) {
                        value = String.format(Locale.ROOT, "%.0f", c.count());
                    } else if (m instanceof FunctionCounter c) {
                        value = String.format(Locale.ROOT, "%.0f", c.count());
                    } else if (m instanceof Timer t) {
                        value = String.format(Locale.ROOT, "count=%d mean=%.1fms max=%.1fms", t.count(),
                                t.mean(TimeUnit.MILLISECONDS), t.max(TimeUnit.MILLISECONDS));
                    } else if (m instanceof Gauge g) {
                        value = String.format(Locale.ROOT, "%.2f", g.value());
                    } else {
                        return;
                    }
                    out.println("  " + m.getId().getName() + tags + " " + value);
                });
    }
}
