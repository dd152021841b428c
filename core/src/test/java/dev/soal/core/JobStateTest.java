package dev.soal.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobStateTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void table_allowsExactlyTheDocumentedMoves() {
        Map<JobState, EnumSet<JobState>> expected = Map.of(
                JobState.QUEUED, EnumSet.of(JobState.RUNNING, JobState.CANCELLING, JobState.SUCCEEDED, JobState.FAILED,
                        JobState.CANCELLED, JobState.TIMED_OUT),
                JobState.RUNNING, EnumSet.of(JobState.CANCELLING, JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED,
                        JobState.TIMED_OUT),
                JobState.CANCELLING, EnumSet.of(JobState.CANCELLED, JobState.SUCCEEDED, JobState.FAILED, JobState.TIMED_OUT));
        for (JobState from : JobState.values()) {
            for (JobState to : JobState.values()) {
                boolean allowed = expected.getOrDefault(from, EnumSet.noneOf(JobState.class)).contains(to);
                assertThat(from.canMoveTo(to)).as(from + " -> " + to).isEqualTo(allowed);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = JobState.class, names = {"SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT"})
    void terminalStates_neverChange(JobState terminal) {
        assertThat(terminal.isTerminal()).isTrue();
        for (JobState next : JobState.values()) {
            assertThatThrownBy(() -> terminal.moveTo(next))
                    .isInstanceOf(JobState.IllegalStateTransitionException.class)
                    .hasMessageContaining(terminal + " -> " + next)
                    .hasMessageContaining("is terminal");
        }
    }

    @Test
    void nonTerminalStates_areNotTerminal() {
        assertThat(List.of(JobState.QUEUED, JobState.RUNNING, JobState.CANCELLING)).noneMatch(JobState::isTerminal);
    }

    @Test
    void running_cannotGoBackToQueued() {
        assertThatThrownBy(() -> JobState.RUNNING.moveTo(JobState.QUEUED))
                .isInstanceOf(JobState.IllegalStateTransitionException.class);
    }

    @Test
    void record_transition_appendsHistoryAndKeepsNativeState() {
        JobRecord job = JobRecord.queued("j1", request(), new Measurement(10, 1, 0),
                new RoutingDecision(Backend.LAMBDA, 2048, List.of("small")), T0);
        JobRecord running = job.transition(JobState.RUNNING, "RUNNING", "started", T0.plusSeconds(1));
        JobRecord done = running.transition(JobState.SUCCEEDED, "SUCCESS", "ok", T0.plusSeconds(5));

        assertThat(done.history()).extracting(StateChange::state)
                .containsExactly(JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED);
        assertThat(done.nativeState()).isEqualTo("SUCCESS");
        assertThatThrownBy(() -> done.transition(JobState.FAILED, "FAILED", "late report", T0.plusSeconds(6)))
                .isInstanceOf(JobState.IllegalStateTransitionException.class);
    }

    @Test
    void record_roundTripsThroughJson() {
        JobRecord job = JobRecord.queued("j1", request(), new Measurement(10, 1, 3),
                new RoutingDecision(Backend.STANDALONE, 0, List.of("big")), T0).withBackendHandle("h", T0);
        assertThat(Json.read(Json.write(job), JobRecord.class)).isEqualTo(job);
    }

    static JobRequest request() {
        return new JobRequest("s3://soal-scripts/job.sql", null, List.of("s3://soal-data/in.csv"),
                "s3://soal-output/out/", Map.of("day", "2026-01-01"), Map.of("team", "a"), "key-1", "{\"a\":1}");
    }
}
