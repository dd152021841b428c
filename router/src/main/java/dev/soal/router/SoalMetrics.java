package dev.soal.router;

import dev.soal.router.aws.AwsRouterConfig;
import io.micrometer.cloudwatch2.CloudWatchConfig;
import io.micrometer.cloudwatch2.CloudWatchMeterRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;

import java.io.PrintStream;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * SoAL's metrics: {@code soal.jobs.submitted} and {@code soal.jobs.finished} (by backend, state),
 * {@code soal.submit.latency}, {@code soal.backend.errors} (by backend, code), and the resilience4j
 * circuit breaker and retry meters. In AWS they ship to CloudWatch; locally they are printed.
 */
public final class SoalMetrics {
    private SoalMetrics() {
    }

    /** CloudWatch (namespace from the config, one publish a minute) or, with {@code SOAL_METRICS=none}, in memory. */
    public static MeterRegistry registry(AwsRouterConfig config) {
        if (config.metrics().equals("none")) {
            return new SimpleMeterRegistry();
        }
        return cloudWatch(config.metricsNamespace(), CloudWatchAsyncClient.builder()
                .region(software.amazon.awssdk.regions.Region.of(config.region())).build(), java.time.Duration.ofMinutes(1));
    }

    public static CloudWatchMeterRegistry cloudWatch(String namespace, CloudWatchAsyncClient client, java.time.Duration step) {
        Map<String, String> props = Map.of("cloudwatch.namespace", namespace, "cloudwatch.step", step.toString());
        CloudWatchConfig config = props::get;
        return new CloudWatchMeterRegistry(config, io.micrometer.core.instrument.Clock.SYSTEM, client);
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
