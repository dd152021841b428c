package dev.soal.runtime;

/**
 * What the runner asks of whoever watches its run: whether to stop (checked before each statement: cooperative
 * cancellation), and where it is (told at each statement, for the job's progress).
 */
@FunctionalInterface
interface RunControl {
    boolean cancelled();

    /** Statement {@code index} (1-based) of {@code count} starts; {@code sql} is its text. */
    default void statement(int index, int count, String sql) {
    }

    RunControl NONE = () -> false;
}
