package dev.soal.router.logs;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A Lambda invocation's lines in a log stream, and the last lines of a long log. */
class JobLogsTest {
    @Test
    void anInvocationsLines_runFromItsStartToItsEnd_andARetryKeepsTheLastRun() {
        List<String> stream = List.of("INIT", "START RequestId: a Version: $LATEST", "a1", "END RequestId: a", "REPORT RequestId: a",
                "START RequestId: b Version: $LATEST", "b1", "b2", "END RequestId: b",
                "START RequestId: a Version: $LATEST", "a again", "END RequestId: a",
                "START RequestId: c Version: $LATEST", "c still running");
        assertThat(JobLogs.invocation(stream, "b")).containsExactly("START RequestId: b Version: $LATEST", "b1", "b2", "END RequestId: b");
        assertThat(JobLogs.invocation(stream, "a")).containsExactly("START RequestId: a Version: $LATEST", "a again", "END RequestId: a");
        assertThat(JobLogs.invocation(stream, "c")).containsExactly("START RequestId: c Version: $LATEST", "c still running");
        assertThat(JobLogs.invocation(stream, "d")).isEmpty();
        // a request id that begins another's is not it
        assertThat(JobLogs.invocation(List.of("START RequestId: bb", "x", "END RequestId: bb"), "b")).isEmpty();
    }

    @Test
    void theLastLines_sayWhenEarlierOnesWereLeftOut() {
        JobLogs.Excerpt e = JobLogs.last("standalone", "driver.log", List.of("1", "2", "3"), 2);
        assertThat(e.lines()).containsExactly("2", "3");
        assertThat(e.truncated()).isTrue();
        assertThat(JobLogs.last("standalone", "driver.log", List.of("1"), 2).truncated()).isFalse();
    }
}
