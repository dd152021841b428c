package dev.soal.router.api;

import dev.soal.core.Cost;
import dev.soal.core.JobRecord;
import dev.soal.core.PredictionOutcome;
import dev.soal.core.SpilledAttempt;
import dev.soal.core.StateChange;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A job's unified status as the API shows it.
 *
 * @param spillTo     on the Lambda path: the cluster backend the job runs on again if it runs out of resources
 * @param spilledOver the Lambda attempt of a job that spilled over to a cluster ({@link SpilledAttempt})
 * @param usage       what the run took (heap, {@code /tmp}, rows and bytes written), as its runtime measured it
 * @param deadlineSeconds the job's deadline, from its submit
 * @param predictions what the router predicted on each backend it weighed (a job with a deadline), the chosen first
 * @param predictionOutcome an ended job's chosen prediction beside what it took ({@link PredictionOutcome})
 * @param sparkApplicationId the Spark application the run is in, as the History Server ({@code soal history}) names it
 * @param initializationType how Lambda started the job's environment ({@code on-demand}, {@code provisioned-concurrency})
 * @param progress    how far the run has got, as its runtime last reported it ({@link dev.soal.core.JobProgress})
 */
public record JobView(String jobId, String state, String nativeState, String message, String backend,
                      Integer lambdaMemoryMb, List<String> reasons, Long inputBytes, Long inputObjects, String script,
                      List<String> inputs, String output, Map<String, String> tags, Instant createdAt, Instant updatedAt,
                      Long durationMillis, Cost cost, List<StateChange> history, Boolean coldStart, String environmentId,
                      String initializationType,
                      String spillTo, SpilledView spilledOver, dev.soal.core.RunUsage usage, Long deadlineSeconds,
                      List<PredictionView> predictions, OutcomeView predictionOutcome, String sparkApplicationId,
                      dev.soal.core.JobProgress progress) {

    /** {@link PredictionOutcome} as the API shows it. */
    public record OutcomeView(String backend, long predictedMillis, long actualMillis, double timeRatio, double predictedUsd,
                              Double actualUsd) {
        static OutcomeView of(JobRecord j) {
            return PredictionOutcome.of(j).map(o -> new OutcomeView(o.backend().id(), o.predictedMillis(), o.actualMillis(),
                    Math.round(o.timeRatio() * 100) / 100.0, o.predictedUsd(), o.actualUsd())).orElse(null);
        }
    }

    /** A prediction as the API shows it ({@link dev.soal.core.Prediction}), the backend by its id. */
    public record PredictionView(String backend, int memoryMb, long startMillis, long runMillis, Cost cost, String basis) {
        /** The predictions, or null when there are none (the field is then left out). */
        public static List<PredictionView> of(List<dev.soal.core.Prediction> ps) {
            return ps.isEmpty() ? null : ps.stream().map(p -> new PredictionView(p.backend().id(), p.memoryMb(), p.startMillis(),
                    p.runMillis(), p.cost(), p.basis())).toList();
        }
    }

    /** The spilled Lambda attempt: its tier, what ran out and what it said, how long it ran, its cost, and when it spilled. */
    public record SpilledView(String backend, int memoryMb, String ranOut, String message, long durationMillis, Cost cost,
                              Instant at) {
        static SpilledView of(SpilledAttempt a) {
            return a == null ? null : new SpilledView(a.backend().id(), a.memoryMb(), a.kind().name(), a.message(),
                    a.durationMillis(), a.cost(), a.at());
        }
    }

    public static JobView of(JobRecord j) {
        return new JobView(j.id(), j.state().name(), j.nativeState(), j.message(), j.decision().backend().id(),
                j.decision().lambdaMemoryMb() == 0 ? null : j.decision().lambdaMemoryMb(), j.decision().reasons(),
                j.measurement() == null ? null : j.measurement().totalBytes(),
                j.measurement() == null ? null : j.measurement().objectCount(),
                j.request().scriptUri(), j.request().inputUris(), j.request().outputUri(), j.request().tags(),
                j.createdAt(), j.updatedAt(), j.durationMillis(), j.cost(), j.history(),
                j.environment() == null ? null : j.environment().coldStart(),
                j.environment() == null ? null : j.environment().id(),
                j.environment() == null ? null : j.environment().initializationType(),
                j.decision().spillTo() == null ? null : j.decision().spillTo().id(), SpilledView.of(j.spilledFrom()),
                j.usage(), j.request().deadlineSeconds(), PredictionView.of(j.decision().predictions()), OutcomeView.of(j),
                j.sparkApplicationId(), j.progress());
    }
}
