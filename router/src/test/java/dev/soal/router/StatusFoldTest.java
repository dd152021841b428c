package dev.soal.router;

import dev.soal.core.Backend;
import dev.soal.core.BackendStatus;
import dev.soal.core.Cost;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.Lease;
import dev.soal.core.Measurement;
import dev.soal.core.RoutingDecision;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The one function that folds a backend's word into a job record, case by case. */
class StatusFoldTest {
    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private static final Duration GRACE = Duration.ofSeconds(15);

    private static JobRecord job(JobState state, Lease attempt) {
        JobRecord j = JobRecord.queued("20261125-120000-00000001", new JobRequest("s3://b-scripts/a.sql", null,
                        List.of("s3://b-data/x.csv"), "s3://b-out/x/", null, null, null, null), new Measurement(1, 1, 0),
                new RoutingDecision(Backend.EMR_SERVERLESS, 0, List.of("t")), NOW.minusSeconds(600)).withBackendHandle("run", NOW);
        if (state != JobState.QUEUED) {
            j = j.transition(state, state.name(), null, NOW.minusSeconds(300));
        }
        return j.toBuilder().attempt(attempt).build();
    }

    private static Lease live() {
        return new Lease("attempt-1", NOW.plusSeconds(20));
    }

    private static Lease lapsed() {
        return new Lease("attempt-1", NOW.minusSeconds(60));
    }

    @Test
    void anEndedJobNeverChanges_butGainsItsCost() {
        JobRecord done = job(JobState.SUCCEEDED, null);
        BackendStatus failedLate = new BackendStatus(JobState.FAILED, "FAILED", "late", new Cost(1.5, "x"));
        JobRecord after = StatusFold.fold(done, failedLate, false, NOW, GRACE);
        assertThat(after.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(after.cost().usd()).isEqualTo(1.5);
    }

    @Test
    void aClusterStateInProgress_keepsItsNativeWords_andMovesForwardOnly() {
        JobRecord queued = job(JobState.QUEUED, null);
        JobRecord waiting = StatusFold.fold(queued, new BackendStatus(JobState.QUEUED, "QUEUED", "concurrency limit"), false, NOW, GRACE);
        assertThat(waiting.message()).isEqualTo("concurrency limit");
        assertThat(waiting.history()).hasSize(1);
        JobRecord running = StatusFold.fold(waiting, new BackendStatus(JobState.RUNNING, "RUNNING", null), false, NOW, GRACE);
        assertThat(running.state()).isEqualTo(JobState.RUNNING);
        assertThat(StatusFold.fold(running, new BackendStatus(JobState.QUEUED, "PENDING", null), false, NOW, GRACE))
                .isEqualTo(running);
    }

    @Test
    void aClustersEnd_waitsForALiveRunnersOwnReport() {
        BackendStatus success = new BackendStatus(JobState.SUCCEEDED, "SUCCESS", null);
        assertThat(StatusFold.fold(job(JobState.RUNNING, live()), success, false, NOW, GRACE).state()).isEqualTo(JobState.RUNNING);
        assertThat(StatusFold.fold(job(JobState.RUNNING, lapsed()), success, false, NOW, GRACE).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(StatusFold.fold(job(JobState.RUNNING, null), success, false, NOW, GRACE).state()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void aLambdaRuntimeWhoseLeaseLapsed_waitsForItsFailureRecord_whenTheJobMaySpillOver() {
        JobRecord onLambda = job(JobState.RUNNING, lapsed()).toBuilder()
                .decision(new RoutingDecision(Backend.LAMBDA, 2048, List.of("t"), Backend.STANDALONE)).build();
        BackendStatus running = new BackendStatus(JobState.RUNNING, "RUNNING", null);
        // the on-failure record (a timeout, an exit) will say what happened, and may spill it over
        assertThat(StatusFold.fold(onLambda, running, true, NOW, GRACE)).isEqualTo(onLambda);
        // without spill-over the lapsed lease ends it, as before
        JobRecord noSpill = onLambda.toBuilder().decision(new RoutingDecision(Backend.LAMBDA, 2048, List.of("t"))).build();
        assertThat(StatusFold.fold(noSpill, running, true, NOW, GRACE).nativeState()).isEqualTo("LEASE_EXPIRED");
        // the backend's backstop (no report past the function timeout) still ends it
        assertThat(StatusFold.fold(onLambda, new BackendStatus(JobState.TIMED_OUT, "NO_REPORT", "no report"), true, NOW, GRACE)
                .state()).isEqualTo(JobState.TIMED_OUT);
    }

    @Test
    void aRuntimeThatEndedWithoutReporting_isAFailure_andOneWhoseLeaseLapsedIsGone() {
        JobRecord silent = StatusFold.fold(job(JobState.QUEUED, null), new BackendStatus(JobState.SUCCEEDED, "EXIT_0", "exited 0"),
                true, NOW, GRACE);
        assertThat(silent.state()).isEqualTo(JobState.FAILED);
        assertThat(silent.message()).isEqualTo("the run ended (exited 0) without reporting a result");

        JobRecord gone = StatusFold.fold(job(JobState.RUNNING, lapsed()), new BackendStatus(JobState.RUNNING, "ELSEWHERE", null),
                true, NOW, GRACE);
        assertThat(gone.state()).isEqualTo(JobState.FAILED);
        assertThat(gone.nativeState()).isEqualTo("LEASE_EXPIRED");

        JobRecord cancelling = job(JobState.RUNNING, lapsed()).transition(JobState.CANCELLING, "CANCELLING", "asked", NOW);
        assertThat(StatusFold.fold(cancelling, new BackendStatus(JobState.RUNNING, "ELSEWHERE", null), true, NOW, GRACE).state())
                .isEqualTo(JobState.CANCELLED);

        JobRecord held = job(JobState.RUNNING, live());
        assertThat(StatusFold.fold(held, new BackendStatus(JobState.FAILED, "EXIT_1", "boom"), true, NOW, GRACE)).isEqualTo(held);
    }

    @Test
    void aFailureWhileCancelling_endsCancelled() {
        JobRecord cancelling = job(JobState.RUNNING, null).transition(JobState.CANCELLING, "CANCELLING", "asked", NOW);
        assertThat(StatusFold.fold(cancelling, new BackendStatus(JobState.FAILED, "FAILED", "killed"), false, NOW, GRACE).state())
                .isEqualTo(JobState.CANCELLED);
    }
}
