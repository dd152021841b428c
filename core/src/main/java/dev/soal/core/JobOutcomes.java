package dev.soal.core;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Ended jobs as metrics, each job counted exactly once wherever it ended: {@code soal.jobs.finished} (a count,
 * by backend and state) and {@code soal.jobs.duration} (milliseconds, one value per job, by backend and state
 * and by backend).
 *
 * <p>Which writer counts: the one whose conditional write sets {@link JobRecord#counted()} ({@link #markCounted}).
 * The router marks every end it writes, and every end it finds unmarked; the runtime marks the ends it writes
 * only in Lambda, whose standard output CloudWatch reads as Embedded Metric Format. A job the runner ended on
 * EMR Serverless or Glue (whose logs are not read so) stays unmarked until the router next touches it (its
 * state-change event, a status request, a reconciler sweep), and that write counts it. The store takes one
 * writer's change at a time, so two writers never both mark it.
 */
public final class JobOutcomes {
    public static final String FINISHED = "soal.jobs.finished";
    public static final String DURATION = "soal.jobs.duration";
    /** Jobs that spilled over from Lambda to a cluster ({@link SpillOvers}), by from, to and what ran out; the router counts each once. */
    public static final String SPILLED = "soal.jobs.spilled";
    /** A succeeded job's time to result over its predicted one ({@link PredictionOutcome}), by backend; the router records it. */
    public static final String PREDICTION_RATIO = "soal.jobs.prediction.time.ratio";
    /** The dimension sets both metrics are recorded under. */
    public static final List<List<String>> DIMENSION_SETS = List.of(List.of("backend", "state"), List.of("backend"));

    private JobOutcomes() {
    }

    /** {@code after} marked counted when it has ended and is not yet: the write that stores this one counts it. */
    public static JobRecord markCounted(JobRecord after) {
        return after != null && after.state().isTerminal() && !after.counted() ? after.toBuilder().counted(true).build() : after;
    }

    /** True when the write from {@code before} to {@code after} is the one that counted the job. */
    public static boolean countedBy(JobRecord before, JobRecord after) {
        return after != null && after.counted() && (before == null || !before.counted());
    }

    /** How long the job ran as the runner reported it, or else from its creation to its end. */
    public static long durationMillis(JobRecord ended) {
        long millis = ended.durationMillis() != null ? ended.durationMillis()
                : Duration.between(ended.createdAt(), ended.updatedAt()).toMillis();
        return Math.max(0, millis);
    }

    /** The job's end as one Embedded Metric Format line. */
    public static String emfLine(String namespace, JobRecord ended, Instant at) {
        Map<String, String> dims = new LinkedHashMap<>();
        dims.put("backend", ended.decision().backend().id());
        dims.put("state", ended.state().name());
        return EmbeddedMetrics.line(namespace, dims, DIMENSION_SETS, List.of(
                new EmbeddedMetrics.Value(FINISHED, 1, "Count"),
                new EmbeddedMetrics.Value(DURATION, durationMillis(ended), "Milliseconds")), at);
    }

    /** Writes each counted end as an EMF line to {@code out} (a Lambda function's standard output). */
    public static Consumer<JobRecord> emf(String namespace, PrintStream out) {
        return ended -> out.println(emfLine(namespace, ended, Instant.now()));
    }
}
