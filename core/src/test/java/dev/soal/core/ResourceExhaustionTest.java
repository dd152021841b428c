package dev.soal.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** What ran out, told apart from a script's own error, from exceptions and from Lambda's error records. */
class ResourceExhaustionTest {

    @Test
    void anOutOfMemoryErrorAnywhereInTheChain_isMemory_butTheThreadLimitIsALimit() {
        assertThat(ResourceExhaustion.of(new OutOfMemoryError("Java heap space"))).contains(ResourceExhaustion.Kind.MEMORY);
        assertThat(ResourceExhaustion.of(new RuntimeException("statement 3 (line 9) failed",
                new IllegalStateException("wrapped", new OutOfMemoryError("GC overhead limit exceeded")))))
                .contains(ResourceExhaustion.Kind.MEMORY);
        assertThat(ResourceExhaustion.of(new OutOfMemoryError("unable to create native thread: possibly out of memory or"
                + " process/resource limits reached"))).contains(ResourceExhaustion.Kind.LIMITS);
        RuntimeException suppressed = new RuntimeException("cleanup failed");
        suppressed.addSuppressed(new OutOfMemoryError("Direct buffer memory"));
        assertThat(ResourceExhaustion.of(suppressed)).contains(ResourceExhaustion.Kind.MEMORY);
    }

    @Test
    void sparksTaskFailuresAsText_areReadToo() {
        // Spark reports a task's failure as text in its own exception
        assertThat(ResourceExhaustion.of(new RuntimeException("Job aborted due to stage failure: Task 0 in stage 3.0 failed"
                + " 1 times, most recent failure: Lost task 0.0 (TID 7): java.lang.OutOfMemoryError: Java heap space")))
                .contains(ResourceExhaustion.Kind.MEMORY);
        assertThat(ResourceExhaustion.of(new RuntimeException("[_LEGACY_ERROR_TEMP_2250] Not enough memory to build and"
                + " broadcast the table to all worker nodes."))).contains(ResourceExhaustion.Kind.MEMORY);
        assertThat(ResourceExhaustion.of(new RuntimeException("Unable to acquire 65536 bytes of memory, got 0")))
                .contains(ResourceExhaustion.Kind.MEMORY);
        assertThat(ResourceExhaustion.of(new IOException("No space left on device"))).contains(ResourceExhaustion.Kind.DISK);
        assertThat(ResourceExhaustion.of(new IOException("/tmp/x (Too many open files)"))).contains(ResourceExhaustion.Kind.LIMITS);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a bad column         | [UNRESOLVED_COLUMN.WITH_SUGGESTION] A column with name `nme` cannot be resolved",
            "a failed assertion   | [USER_RAISED_EXCEPTION] '(n > 0)' is not true!",
            "a missing table      | [TABLE_OR_VIEW_NOT_FOUND] The table or view `soal`.`x` cannot be found",
            "a script's timeout   | the remote service timed out after 30 s",
            "acquiring a lock     | Unable to acquire lock on table t",
    })
    void aScriptsOwnError_isNoExhaustion(String what, String message) {
        assertThat(ResourceExhaustion.of(new RuntimeException(message))).as(what).isEmpty();
        assertThat(ResourceExhaustion.of("FUNCTION_ERROR", message)).as(what).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "the function timeout         | Sandbox.Timedout      | RequestId: r Error: Task timed out after 900.00 seconds | TIME",
            "a timeout without its type   |                       | 2026-12-07T01:00:00Z r Task timed out after 60.00 seconds | TIME",
            "Spark's OOM exit             | Runtime.ExitError     | RequestId: r Error: Runtime exited with error: exit status 52 | MEMORY",
            "the sandbox's memory kill    | Runtime.OutOfMemory   | RequestId: r Error: Runtime exited with error: signal: killed | MEMORY",
            "an OOM thrown by the handler | java.lang.OutOfMemoryError | Java heap space                            | MEMORY",
            "Spark's OOM error type       | org.apache.spark.memory.SparkOutOfMemoryError | Not enough memory to build and broadcast the table | MEMORY",
            "another exit                 | Runtime.ExitError     | RequestId: r Error: Runtime exited with error: exit status 1 | DIED",
            "a full /tmp                  | java.io.IOException   | No space left on device                              | DISK",
    })
    void lambdasErrors_sayWhatRanOut(String what, String type, String message, ResourceExhaustion.Kind kind) {
        assertThat(ResourceExhaustion.of(type, message)).as(what).isEqualTo(Optional.of(kind));
    }

    @Test
    void anEventThatNeverRan_isNoExhaustion() {
        assertThat(ResourceExhaustion.of("EventAgeExceeded", "the runtime function never ran it: the event waited in"
                + " Lambda's queue past the functions' maximum event age (EventAgeExceeded)")).isEmpty();
    }
}
