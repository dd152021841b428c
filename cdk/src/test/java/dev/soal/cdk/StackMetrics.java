package dev.soal.cdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.soal.core.Backend;
import dev.soal.core.BackendStatus;
import dev.soal.core.Cost;
import dev.soal.core.InMemoryJobStore;
import dev.soal.core.JobBackend;
import dev.soal.core.JobOutcomes;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.Measurement;
import dev.soal.core.ResourceExhaustion;
import dev.soal.core.RuntimeAttempts;
import dev.soal.core.SpillOvers;
import dev.soal.core.RoutingDecision;
import dev.soal.core.S3Uri;
import dev.soal.core.SubmitOutcome;
import dev.soal.policies.PolicyLoader;
import dev.soal.policies.RoutingPolicy;
import dev.soal.router.JobService;
import dev.soal.router.SoalMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The metrics on both sides, as {@code name{dimension=value, ...}}: those the stack's dashboard and alarms name,
 * and those the code writes (see {@code SoalStackTest}).
 */
final class StackMetrics {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StackMetrics() {
    }

    /** The SoAL metrics (name and dimensions) in the dashboard's widgets and the alarms, AWS's own left out. */
    static Set<String> named(JsonNode template) throws Exception {
        Set<String> out = new TreeSet<>();
        for (JsonNode r : template.path("Resources")) {
            String type = r.path("Type").asText();
            if (type.equals("AWS::CloudWatch::Dashboard")) {
                StringBuilder body = new StringBuilder();
                // the body is a Fn::Join of JSON text and references (region, queue name): the references become text
                for (JsonNode part : r.path("Properties").path("DashboardBody").path("Fn::Join").get(1)) {
                    body.append(part.isTextual() ? part.asText() : "ref");
                }
                for (JsonNode widget : JSON.readTree(body.toString()).path("widgets")) {
                    for (JsonNode m : widget.path("properties").path("metrics")) {
                        if (m.get(0).asText().equals("SoAL")) {
                            Map<String, String> dims = new TreeMap<>();
                            for (int i = 2; i + 1 < m.size() && m.get(i).isTextual(); i += 2) {
                                dims.put(m.get(i).asText(), m.get(i + 1).asText());
                            }
                            out.add(m.get(1).asText() + dims);
                        }
                    }
                }
            } else if (type.equals("AWS::CloudWatch::Alarm")) {
                JsonNode p = r.path("Properties");
                List<JsonNode> metrics = new ArrayList<>();
                if (p.has("MetricName")) {
                    metrics.add(p);
                }
                p.path("Metrics").forEach(q -> {
                    if (q.has("MetricStat")) {
                        metrics.add(q.path("MetricStat").path("Metric"));
                    }
                });
                assertThat(metrics).as("alarm %s watches a metric", p.path("AlarmName")).isNotEmpty();
                for (JsonNode m : metrics) {
                    if (m.path("Namespace").asText().equals("SoAL")) {
                        Map<String, String> dims = new TreeMap<>();
                        m.path("Dimensions").forEach(d -> dims.put(d.path("Name").asText(), d.path("Value").asText()));
                        out.add(m.path("MetricName").asText() + dims);
                    } else {
                        assertThat(m.path("Namespace").asText()).as("a metric not SoAL's is AWS's own").startsWith("AWS/");
                    }
                }
            }
        }
        return out;
    }

    /**
     * What the code writes: a reconciler sweep of a real router over jobs on every backend, each 4 h old and
     * ending with a cost, and over jobs spilled over to each cluster, flushed as in AWS; and an ended job's line as
     * both writers make it, for every state.
     */
    static Set<String> written() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Instant now = Instant.parse("2026-12-06T12:00:00Z");
        InMemoryJobStore store = new InMemoryJobStore();
        Map<Backend, JobBackend> backends = new EnumMap<>(Backend.class);
        for (String id : SoalStack.BACKENDS) {
            Backend kind = Backend.fromId(id);
            backends.put(kind, new Ending(kind));
            JobRecord queued = JobRecord.queued("job-" + id, new JobRequest("s3://soal-scripts/a.sql", null,
                            List.of("s3://soal-data/a.csv"), null, null, null, null, null), new Measurement(1, 1, 0),
                    new RoutingDecision(kind, 2048, List.of("test")), now.minusSeconds(4 * 3600));
            store.create(queued.withBackendHandle("run-" + id, now.minusSeconds(4 * 3600)), null);
        }
        // and a job spilled over from Lambda to each cluster, for each thing that can run out: the sweep submits them
        int spilled = 0;
        for (String id : SoalStack.BACKENDS) {
            Backend to = Backend.fromId(id);
            if (!to.isCluster()) {
                continue;
            }
            for (ResourceExhaustion.Kind kind : ResourceExhaustion.Kind.values()) {
                Instant at = now.minusSeconds(4 * 3600);
                JobRecord running = RuntimeAttempts.claim(JobRecord.queued("spill-" + id + "-" + kind, new JobRequest(
                                "s3://soal-scripts/a.sql", null, List.of("s3://soal-data/a.csv"), null, null, null, null, null),
                        new Measurement(1, 1, 0), new RoutingDecision(Backend.LAMBDA, 2048, List.of("test"), to), at),
                        "req/1", "lambda", at, RuntimeAttempts.DEFAULT_LEASE);
                store.create(SpillOvers.spill(running, kind, "ran out", 1000, new Cost(0.01, "lambda"), at), null);
                spilled++;
            }
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        JobService jobs = new JobService(store, null, new RoutingPolicy(PolicyLoader.defaults(), backends.keySet()),
                backends, S3Uri.parse("s3://soal-output/jobs/"), Clock.fixed(now, ZoneOffset.UTC), meters);
        jobs.countOutcomesWith(JobOutcomes.emf("SoAL", out));
        assertThat(jobs.reconcileUnfinished(100)).isEqualTo(SoalStack.BACKENDS.size() + spilled);
        new SoalMetrics.EmfFlusher("SoAL").flush(meters, out);
        for (String id : SoalStack.BACKENDS) {
            for (JobState state : JobState.values()) {
                if (state.isTerminal()) {
                    JobRecord ended = store.get("job-" + id).orElseThrow().toBuilder().state(state).build();
                    out.println(JobOutcomes.emfLine("SoAL", ended, now));
                }
            }
        }
        Set<String> written = new TreeSet<>();
        for (String line : bytes.toString(StandardCharsets.UTF_8).split("\n")) {
            JsonNode doc = JSON.readTree(line);
            for (JsonNode set : doc.path("_aws").path("CloudWatchMetrics")) {
                assertThat(set.path("Namespace").asText()).isEqualTo("SoAL");
                for (JsonNode dimensionSet : set.path("Dimensions")) {
                    Map<String, String> dims = new TreeMap<>();
                    dimensionSet.forEach(d -> dims.put(d.asText(), doc.path(d.asText()).asText()));
                    set.path("Metrics").forEach(m -> written.add(m.path("Name").asText() + dims));
                }
            }
        }
        return written;
    }

    /** A backend whose runs have ended, with a cost: what EMR Serverless and Glue answer after a run. */
    private record Ending(Backend kind) implements JobBackend {
        /** Only a job that spilled over is submitted here (its cluster run). */
        @Override
        public SubmitOutcome submit(JobRecord job) {
            assertThat(job.spilledFrom()).as("only spilled jobs are submitted here").isNotNull();
            return new SubmitOutcome.Accepted("run-" + job.id(), "SUBMITTED");
        }

        @Override
        public BackendStatus status(JobRecord job) {
            return new BackendStatus(JobState.SUCCEEDED, "SUCCESS", "done", new Cost(0.25, "list prices"));
        }

        @Override
        public void cancel(JobRecord job) {
        }
    }
}
