package dev.soal.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A spill-over as a pure function of the record: who may spill, and what the spilled record holds. */
class SpillOversTest {
    private static final Instant T = Instant.parse("2026-12-07T12:00:00Z");

    private static JobRecord running(Backend spillTo) {
        JobRecord queued = JobRecord.queued("20261207-120000-0000000a", new JobRequest("s3://b-scripts/a.sql", null,
                List.of("s3://b-data/x.csv"), "s3://b-out/jobs/x/", null, null, null, null), new Measurement(1, 1, 0),
                new RoutingDecision(Backend.LAMBDA, 4096, List.of("input 1 B <= lambda.maxInputBytes 400 MB -> lambda"), spillTo), T);
        return RuntimeAttempts.claim(queued, "req-1/abcd", "lambda f (4096 MB)", T.plusSeconds(1), Duration.ofSeconds(30))
                .toBuilder().environment(new RuntimeEnvironment("env-1", true)).build();
    }

    @Test
    void aRunningLambdaJob_spillsOverQueuedOnItsCluster_keepingItsAttemptHistoryAndCost() {
        JobRecord j = running(Backend.EMR_SERVERLESS).toBuilder().sparkApplicationId("local-1")
                .progress(new JobProgress(3, 4, "INSERT ...", 1, 2, 8, T)).build();
        assertThat(SpillOvers.refusal(j)).isEmpty();
        Cost lambda = new Cost(0.014, "848.0 GB-s x $0.0000166667");
        JobRecord s = SpillOvers.spill(j, ResourceExhaustion.Kind.MEMORY, "statement 3 (line 7) failed: Java heap space",
                212_000, lambda, T.plusSeconds(213));
        assertThat(s.state()).isEqualTo(JobState.QUEUED);
        assertThat(s.nativeState()).isEqualTo(SpillOvers.SPILLED_OVER);
        assertThat(s.message()).isEqualTo("spilled over: lambda 4096 MB ran out of memory in statement 3 after 212 s"
                + " -> emr-serverless (statement 3 (line 7) failed: Java heap space)");
        assertThat(s.decision().backend()).isEqualTo(Backend.EMR_SERVERLESS);
        assertThat(s.decision().spillTo()).isNull();
        assertThat(s.decision().reasons()).hasSize(2).last().isEqualTo(s.message());
        assertThat(s.history()).extracting(StateChange::state).containsExactly(JobState.QUEUED, JobState.RUNNING, JobState.QUEUED);
        assertThat(s.attempt()).isNull();
        assertThat(s.backendHandle()).isNull();
        // the Lambda attempt's progress and application are not the cluster run's
        assertThat(s.progress()).isNull();
        assertThat(s.sparkApplicationId()).isNull();
        assertThat(s.submitLease()).isNull();
        assertThat(s.environment()).isNull();
        assertThat(s.spilledFrom()).isEqualTo(new SpilledAttempt(Backend.LAMBDA, 4096, "req-1/abcd",
                new RuntimeEnvironment("env-1", true), ResourceExhaustion.Kind.MEMORY, "statement 3 (line 7) failed: Java heap space",
                212_000, lambda, T.plusSeconds(213)));
        assertThat(SpillOvers.awaitsClusterSubmit(s)).isTrue();
        // once: the cluster run cannot spill again, and the cost adds both runs
        assertThat(SpillOvers.refusal(s)).contains("it runs on emr-serverless, not lambda");
        Cost both = s.withCost(new Cost(0.5, "1 vCPU-h")).cost();
        assertThat(both.usd()).isEqualTo(0.514);
        assertThat(both.basis()).isEqualTo("lambda attempt 848.0 GB-s x $0.0000166667 + emr-serverless run 1 vCPU-h");
    }

    @Test
    void jobsWithoutASpillBackend_beingCancelled_orEnded_doNotSpill() {
        assertThat(SpillOvers.refusal(running(null))).get().asString().contains("spill-over is off");
        JobRecord cancelling = running(Backend.STANDALONE).transition(JobState.CANCELLING, "CANCELLING", "cancel", T.plusSeconds(2));
        assertThat(SpillOvers.refusal(cancelling)).contains("it is CANCELLING");
        JobRecord ended = running(Backend.STANDALONE).transition(JobState.FAILED, "FAILED", "x", T.plusSeconds(2));
        assertThat(SpillOvers.refusal(ended)).contains("it is FAILED");
        assertThatThrownBy(() -> SpillOvers.spill(ended, ResourceExhaustion.Kind.TIME, "t", 1, null, T))
                .hasMessageContaining("cannot spill over: it is FAILED");
        assertThatThrownBy(() -> new RoutingDecision(Backend.GLUE, 0, List.of(), Backend.STANDALONE))
                .hasMessageContaining("only a lambda decision spills over");
    }

    @Test
    void aSpilledRecord_readsBackFromJson() {
        JobRecord s = SpillOvers.spill(running(Backend.STANDALONE), ResourceExhaustion.Kind.TIME, "Task timed out after 900.00 seconds",
                900_000, new Cost(0.06, "b"), T.plusSeconds(901));
        assertThat(Json.read(Json.write(s), JobRecord.class)).isEqualTo(s);
    }
}
