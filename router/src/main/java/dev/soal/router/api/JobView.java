package dev.soal.router.api;

import dev.soal.core.Cost;
import dev.soal.core.JobRecord;
import dev.soal.core.StateChange;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A job's unified status as the API shows it. */
public record JobView(String jobId, String state, String nativeState, String message, String backend,
                      Integer lambdaMemoryMb, List<String> reasons, Long inputBytes, Long inputObjects, String script,
                      List<String> inputs, String output, Map<String, String> tags, Instant createdAt, Instant updatedAt,
                      Long durationMillis, Cost cost, List<StateChange> history, Boolean coldStart, String environmentId) {

    public static JobView of(JobRecord j) {
        return new JobView(j.id(), j.state().name(), j.nativeState(), j.message(), j.decision().backend().id(),
                j.decision().lambdaMemoryMb() == 0 ? null : j.decision().lambdaMemoryMb(), j.decision().reasons(),
                j.measurement() == null ? null : j.measurement().totalBytes(),
                j.measurement() == null ? null : j.measurement().objectCount(),
                j.request().scriptUri(), j.request().inputUris(), j.request().outputUri(), j.request().tags(),
                j.createdAt(), j.updatedAt(), j.durationMillis(), j.cost(), j.history(),
                j.environment() == null ? null : j.environment().coldStart(),
                j.environment() == null ? null : j.environment().id());
    }
}
