package dev.soal.core;

import java.time.Instant;

/**
 * How far a running job has got, as its runtime last reported it: the statement it runs (its number, of how many, and
 * its first words) and the tasks of the Spark stages running for it (done, of how many, in how many stages).
 *
 * @param statement  1-based; 0 before the first
 * @param statements how many the script has (0 for a jar's main class)
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
public record JobProgress(int statement, int statements, String text, int stagesRunning, int tasksDone, int tasksTotal,
                          Instant at) {
    /** The most characters of a statement kept. */
    public static final int TEXT = 80;

    public JobProgress {
        if (statement < 0 || statements < 0 || stagesRunning < 0 || tasksDone < 0 || tasksTotal < tasksDone) {
            throw new IllegalArgumentException("progress out of range: statement " + statement + "/" + statements
                    + ", tasks " + tasksDone + "/" + tasksTotal + " in " + stagesRunning + " stage(s)");
        }
    }

    /** A statement's first words on one line without its comments, at most {@link #TEXT} characters. */
    public static String shorten(String sql) {
        String bare = sql == null ? "" : sql.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("(?m)^\\s*--.*$", " ");
        String one = bare.strip().replaceAll("\\s+", " ");
        return one.length() <= TEXT ? one : one.substring(0, TEXT - 3) + "...";
    }

    /** The same progress, but for the time it was seen: whether it moved. */
    public boolean sameAs(JobProgress other) {
        return other != null && statement == other.statement && statements == other.statements
                && java.util.Objects.equals(text, other.text) && stagesRunning == other.stagesRunning
                && tasksDone == other.tasksDone && tasksTotal == other.tasksTotal;
    }

    /** {@code statement 2/4 (CREATE TABLE t AS ...): 5/8 tasks in 1 stage}, as people read it. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        if (statements > 0) {
            b.append("statement ").append(statement).append('/').append(statements);
            if (text != null && !text.isEmpty()) {
                b.append(" (").append(text).append(')');
            }
        } else {
            b.append("running");
        }
        if (stagesRunning > 0) {
            b.append(": ").append(tasksDone).append('/').append(tasksTotal).append(" tasks in ").append(stagesRunning)
                    .append(stagesRunning == 1 ? " stage" : " stages");
        }
        return b.toString();
    }
}
