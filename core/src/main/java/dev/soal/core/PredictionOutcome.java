package dev.soal.core;

import java.time.Duration;
import java.util.Optional;

/**
 * How an ended job's prediction turned out: the time to result and the cost the router predicted for the backend it
 * chose ({@link RoutingDecision#predictions()}, the chosen first) beside what the job took, from its submit to its end,
 * and what it cost. A job that moved on (a spill-over, a fallback) is compared with what was predicted for where it
 * was sent, which is what its submitter was told.
 *
 * @param backend         the backend the prediction was for
 * @param predictedMillis its predicted start and run
 * @param actualMillis    from the job's creation to its end
 * @param predictedUsd    its predicted cost
 * @param actualUsd       the job's cost, or null while not known
 */
public record PredictionOutcome(Backend backend, long predictedMillis, long actualMillis, double predictedUsd, Double actualUsd) {

    /** The outcome of an ended job that carries predictions; empty for one still running or never predicted. */
    public static Optional<PredictionOutcome> of(JobRecord job) {
        if (!job.state().isTerminal() || job.decision().predictions().isEmpty()) {
            return Optional.empty();
        }
        Prediction chosen = job.decision().predictions().get(0);
        long actual = Math.max(0, Duration.between(job.createdAt(), job.updatedAt()).toMillis());
        return Optional.of(new PredictionOutcome(chosen.backend(), chosen.totalMillis(), actual, chosen.cost().usd(),
                job.cost() == null ? null : job.cost().usd()));
    }

    /** What the job took over what was predicted (1: exact; 2: twice as long). */
    public double timeRatio() {
        return predictedMillis == 0 ? 0 : (double) actualMillis / predictedMillis;
    }
}
