package dev.soal.core;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** An ended job's prediction beside what it took: the time from submit to end and the cost. */
class PredictionOutcomeTest {
    private static final Instant T = Instant.parse("2026-12-07T12:00:00Z");

    private static JobRecord queued(List<Prediction> predictions) {
        return JobRecord.queued("20261207-120000-0000000b", new JobRequest("s3://b-scripts/a.sql", null,
                        List.of("s3://b-data/x.csv"), "s3://b-out/jobs/x/", null, null, null, null), new Measurement(1, 1, 0),
                new RoutingDecision(Backend.GLUE, 0, List.of("deadline 5 m 00 s: ..."), null, 1, predictions), T);
    }

    @Test
    void anEndedJob_comparesTheChosenPrediction_withItsTimeFromSubmitToEnd_andItsCost() {
        List<Prediction> predictions = List.of(
                new Prediction(Backend.GLUE, 0, 20_000, 40_000, new Cost(0.07, "1 min of 10 DPU"), "default"),
                new Prediction(Backend.EMR_SERVERLESS, 0, 90_000, 10_000, new Cost(0.11, "1 min"), "default"));
        JobRecord ended = queued(predictions).transition(JobState.RUNNING, "RUNNING", null, T.plusSeconds(25))
                .transition(JobState.SUCCEEDED, "SUCCEEDED", "done", T.plusSeconds(90)).withCost(new Cost(0.09, "1.2 min"));

        PredictionOutcome o = PredictionOutcome.of(ended).orElseThrow();
        assertThat(o.backend()).isEqualTo(Backend.GLUE);
        assertThat(o.predictedMillis()).isEqualTo(60_000);
        assertThat(o.actualMillis()).isEqualTo(90_000);
        assertThat(o.timeRatio()).isEqualTo(1.5);
        assertThat(o.predictedUsd()).isEqualTo(0.07);
        assertThat(o.actualUsd()).isEqualTo(0.09);
    }

    @Test
    void aRunningJob_orOneNeverPredicted_hasNoOutcome() {
        List<Prediction> one = List.of(new Prediction(Backend.GLUE, 0, 20_000, 40_000, new Cost(0.07, "x"), "default"));
        assertThat(PredictionOutcome.of(queued(one))).isEmpty();
        JobRecord unpredicted = queued(List.of()).transition(JobState.FAILED, "FAILED", "x", T.plusSeconds(5));
        assertThat(PredictionOutcome.of(unpredicted)).isEmpty();
        JobRecord costless = queued(one).transition(JobState.FAILED, "FAILED", "x", T.plusSeconds(5));
        assertThat(PredictionOutcome.of(costless).orElseThrow().actualUsd()).isNull();
    }
}
