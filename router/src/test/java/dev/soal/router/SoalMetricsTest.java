package dev.soal.router;

import com.fasterxml.jackson.databind.JsonNode;
import dev.soal.core.Json;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** In Lambda, metrics leave as Embedded Metric Format log lines at the end of each invocation, each count once. */
class SoalMetricsTest {
    @Test
    void emfFlush_writesWhatMovedSinceTheLastFlush_once() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        SoalMetrics.EmfFlusher emf = new SoalMetrics.EmfFlusher("SoAL");
        meters.counter("soal.jobs.finished", "backend", "lambda", "state", "SUCCEEDED").increment(2);
        meters.timer("soal.submit.latency", "backend", "lambda").record(Duration.ofMillis(40));

        String first = flush(emf, meters);
        String second = flush(emf, meters);
        meters.counter("soal.jobs.finished", "backend", "lambda", "state", "SUCCEEDED").increment();
        String third = flush(emf, meters);

        String[] lines = first.strip().split("\n");
        assertThat(lines).hasSize(2);
        JsonNode finished = Json.mapper().readTree(lines[0].contains("soal.jobs.finished") ? lines[0] : lines[1]);
        assertThat(finished.path("_aws").path("CloudWatchMetrics").get(0).path("Namespace").asText()).isEqualTo("SoAL");
        assertThat(finished.path("_aws").path("CloudWatchMetrics").get(0).path("Dimensions").get(0))
                .extracting(JsonNode::asText).containsExactly("backend", "state");
        assertThat(finished.path("soal.jobs.finished").asDouble()).isEqualTo(2.0);
        assertThat(finished.path("state").asText()).isEqualTo("SUCCEEDED");
        assertThat(second).isEmpty();
        assertThat(Json.mapper().readTree(third.strip()).path("soal.jobs.finished").asDouble()).isEqualTo(1.0);
    }

    private static String flush(SoalMetrics.EmfFlusher emf, SimpleMeterRegistry meters) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        emf.flush(meters, new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }
}
