package dev.soal.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** How runtime attempts claim, hold and end a job, as pure functions of the record. */
class RuntimeAttemptsTest {
    private static final Instant T = Instant.parse("2026-11-25T12:00:00Z");
    private static final Duration LEASE = Duration.ofSeconds(30);

    private static JobRecord queued() {
        return JobRecord.queued("20261125-120000-0000000a", new JobRequest("s3://b-scripts/a.sql", null,
                List.of("s3://b-data/x.csv"), null, null, null, null, null), new Measurement(1, 1, 0),
                new RoutingDecision(Backend.LAMBDA, 2048, List.of("t")), T);
    }

    @Test
    void oneAttemptHoldsTheJob_aSecondWithinTheLeaseDoesNot_andOneAfterItTakesOver() {
        JobRecord a = RuntimeAttempts.claim(queued(), "a", "here", T, LEASE);
        assertThat(RuntimeAttempts.outcome(a, "a")).isEqualTo(RuntimeAttempts.Claim.RUN);
        JobRecord b = RuntimeAttempts.claim(a, "b", "there", T.plusSeconds(10), LEASE);
        assertThat(b).isEqualTo(a);
        assertThat(RuntimeAttempts.outcome(b, "b")).isEqualTo(RuntimeAttempts.Claim.HELD_ELSEWHERE);
        JobRecord c = RuntimeAttempts.claim(a, "c", "there", T.plusSeconds(31), LEASE);
        assertThat(RuntimeAttempts.outcome(c, "c")).isEqualTo(RuntimeAttempts.Claim.RUN);
        assertThat(c.history()).extracting(StateChange::state).containsExactly(JobState.QUEUED, JobState.RUNNING, JobState.RUNNING);
        assertThat(RuntimeAttempts.end(c, "a", JobState.SUCCEEDED, "late", 5, T.plusSeconds(40))).isEqualTo(c);
    }

    @Test
    void renewal_comesWhenATwoThirdsOfTheLeaseIsLeft_andOnlyForTheHolder() {
        JobRecord a = RuntimeAttempts.claim(queued(), "a", "here", T, LEASE);
        assertThat(RuntimeAttempts.renew(a, "a", T.plusSeconds(5), LEASE)).isEqualTo(a);
        assertThat(RuntimeAttempts.renew(a, "a", T.plusSeconds(11), LEASE).attempt().until()).isEqualTo(T.plusSeconds(41));
        assertThat(RuntimeAttempts.renew(a, "b", T.plusSeconds(11), LEASE)).isEqualTo(a);
    }

    @Test
    void aCancelBeforeOrDuringTheRun_endsCancelled_neverFailed() {
        JobRecord cancelling = queued().transition(JobState.CANCELLING, "CANCELLING", "asked", T);
        JobRecord claimed = RuntimeAttempts.claim(cancelling, "a", "here", T, LEASE);
        assertThat(claimed.state()).isEqualTo(JobState.CANCELLED);
        assertThat(RuntimeAttempts.outcome(claimed, "a")).isEqualTo(RuntimeAttempts.Claim.ENDED);

        JobRecord running = RuntimeAttempts.claim(queued(), "a", "here", T, LEASE)
                .transition(JobState.CANCELLING, "CANCELLING", "asked", T.plusSeconds(1));
        JobRecord ended = RuntimeAttempts.end(running, "a", JobState.FAILED, "Job 3 cancelled", 900, T.plusSeconds(2));
        assertThat(ended.state()).isEqualTo(JobState.CANCELLED);
        assertThat(ended.message()).isEqualTo("cancelled (the run stopped with: Job 3 cancelled)");
    }

    @Test
    void anEndedJob_isNeverClaimedAgain() {
        JobRecord done = RuntimeAttempts.end(RuntimeAttempts.claim(queued(), "a", "here", T, LEASE), "a",
                JobState.SUCCEEDED, "ok", 10, T.plusSeconds(3));
        assertThat(RuntimeAttempts.claim(done, "b", "there", T.plusSeconds(100), LEASE)).isEqualTo(done);
        assertThat(RuntimeAttempts.outcome(done, "b")).isEqualTo(RuntimeAttempts.Claim.ENDED);
    }
}
