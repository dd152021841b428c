package dev.soal.adapters.aws;

import dev.soal.core.JobRecord;
import dev.soal.core.SoalException;
import dev.soal.core.SubmitOutcome;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a failed StartJobRun means when the service may have started the run anyway (a lost answer):
 * the run found by {@code lookup} is the job's run; none found means nothing was started and the job
 * may fall back; a failing lookup leaves it unknown, which is an error, never a fallback.
 */
public final class SubmitFailures {
    private SubmitFailures() {
    }

    public static SubmitOutcome afterFailure(String backend, JobRecord job, RuntimeException failure,
                                             Supplier<Optional<String>> lookup) {
        Optional<String> found;
        try {
            found = lookup.get();
        } catch (RuntimeException e) {
            throw new SoalException(backend + " failed (" + AwsErrors.code(failure) + ") and looking for its run failed too ("
                    + AwsErrors.code(e) + "); cannot tell whether a run started, so not falling back [jobId=" + job.id() + "]",
                    failure, false);
        }
        return found.<SubmitOutcome>map(id -> new SubmitOutcome.Accepted(id, "FOUND_AFTER_" + AwsErrors.code(failure)))
                .orElseGet(() -> new SubmitOutcome.Unavailable(backend + " kept failing (" + AwsErrors.code(failure)
                        + ": " + AwsErrors.message(failure) + ") and started no run"));
    }
}
