package dev.soal.router;

import dev.soal.core.Backend;
import dev.soal.core.BackendStatus;
import dev.soal.core.JobBackend;
import dev.soal.core.JobIds;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRejectedException;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.JobStore;
import dev.soal.core.Measurement;
import dev.soal.core.RoutingDecision;
import dev.soal.core.S3Uri;
import dev.soal.core.SoalException;
import dev.soal.core.SubmitOutcome;
import dev.soal.policies.RoutingPolicy;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * The router's one flow, whatever the trigger: check the allowlists, measure the inputs, decide by
 * policy, record the job (before anything is submitted; a repeated idempotency key returns the first
 * job), submit it, and fold what the backend says into the unified status.
 *
 * <pre>{@code
 * JobService jobs = new JobService(store, measurer, policy, backends, S3Uri.parse("s3://out/jobs/"), clock);
 * JobService.Submitted s = jobs.submit(request);
 * JobRecord now = jobs.refresh(s.job().id());
 * }</pre>
 */
public final class JobService {
    static final int SUBMIT_ATTEMPTS = 3;

    private final JobStore store;
    private final InputMeasurer measurer;
    private final RoutingPolicy policy;
    private final Map<Backend, JobBackend> backends;
    private final S3Uri outputBase;
    private final Clock clock;

    public JobService(JobStore store, InputMeasurer measurer, RoutingPolicy policy, Map<Backend, JobBackend> backends,
                      S3Uri outputBase, Clock clock) {
        this.store = store;
        this.measurer = measurer;
        this.policy = policy;
        this.backends = Map.copyOf(backends);
        this.outputBase = outputBase;
        this.clock = clock;
    }

    /** The measurement and decision for a request, without recording or running anything. */
    public record Plan(Measurement measurement, RoutingDecision decision) {
    }

    /** A submitted job; {@code existing} when the idempotency key found an earlier one. */
    public record Submitted(JobRecord job, boolean existing) {
    }

    public Plan plan(JobRequest request) {
        policy.checkAllowed(request);
        Measurement m = measurer.measure(request.inputUris());
        return new Plan(m, policy.decide(request, m));
    }

    public Submitted submit(JobRequest request) {
        Plan plan = plan(request);
        Instant now = clock.instant();
        String id = JobIds.next(now);
        JobRequest withOutput = request.outputUri() != null ? request
                : request.withOutputUri(outputBase.resolve(id + "/").toString());
        policy.checkAllowed(withOutput);
        JobRecord job = JobRecord.queued(id, withOutput, plan.measurement(), plan.decision(), now);
        JobStore.CreateOutcome created = store.create(job, request.idempotencyKey());
        if (created instanceof JobStore.CreateOutcome.Existing existing) {
            requireSameRequest(request, existing.job());
            return new Submitted(existing.job(), true);
        }
        return new Submitted(send(job), false);
    }

    private static void requireSameRequest(JobRequest asked, JobRecord existing) {
        JobRequest first = existing.request();
        boolean same = first.scriptUri().equals(asked.scriptUri())
                && Objects.equals(first.mainClass(), asked.mainClass())
                && first.inputUris().equals(asked.inputUris())
                && first.arguments().equals(asked.arguments())
                && (asked.outputUri() == null || asked.outputUri().equals(first.outputUri()));
        if (!same) {
            throw new IdempotencyConflictException("idempotency key '" + asked.idempotencyKey()
                    + "' already names job " + existing.id() + ", which was asked with a different script, inputs,"
                    + " output or arguments");
        }
    }

    /** Submits a recorded job; every outcome ends in the store, so no job is lost. */
    private JobRecord send(JobRecord job) {
        JobBackend backend = backends.get(job.decision().backend());
        String lastReason = "";
        for (int attempt = 1; attempt <= SUBMIT_ATTEMPTS; attempt++) {
            SubmitOutcome outcome;
            try {
                outcome = backend.submit(job);
            } catch (RuntimeException e) {
                return fail(job.id(), "SUBMIT_FAILED", "submit to " + backend.kind() + " failed: " + e.getMessage());
            }
            if (outcome instanceof SubmitOutcome.Accepted a) {
                return store.update(job.id(), j -> j.withBackendHandle(a.handle(), clock.instant()));
            }
            if (outcome instanceof SubmitOutcome.Rejected r) {
                return fail(job.id(), "REJECTED", backend.kind() + " rejected the job: " + r.reason());
            }
            SubmitOutcome.Throttled t = (SubmitOutcome.Throttled) outcome;
            lastReason = t.reason();
            sleep(t.retryAfter().toMillis());
        }
        return fail(job.id(), "THROTTLED", backend.kind() + " kept throttling after " + SUBMIT_ATTEMPTS
                + " attempts: " + lastReason);
    }

    private JobRecord fail(String id, String nativeState, String message) {
        return store.update(id, j -> j.state().isTerminal() ? j
                : j.transition(JobState.FAILED, nativeState, message, clock.instant()));
    }

    /**
     * The job's unified status now. The runtime's reports in the store come first; when the backend says
     * the run has ended but no report says so (a crash, a kill, a timeout), the backend's word is recorded.
     */
    public JobRecord refresh(String jobId) {
        JobRecord job = get(jobId);
        if (job.state().isTerminal() || job.backendHandle() == null) {
            return job;
        }
        BackendStatus s = backends.get(job.decision().backend()).status(job);
        if (!s.state().isTerminal()) {
            return job;
        }
        // the run ended: its last report may have landed just now
        JobRecord latest = get(jobId);
        if (latest.state().isTerminal()) {
            return latest;
        }
        JobState end = s.state() == JobState.SUCCEEDED ? JobState.FAILED : s.state();
        String message = s.state() == JobState.SUCCEEDED
                ? "the run ended (" + s.message() + ") without reporting a result" : s.message();
        return store.update(jobId, j -> j.state().isTerminal() ? j
                : j.transition(end, s.nativeState(), message, clock.instant()));
    }

    public JobRecord get(String jobId) {
        return store.get(jobId).orElseThrow(() -> new JobNotFoundException("no such job: " + jobId));
    }

    public JobRecord cancel(String jobId) {
        JobRecord job = get(jobId);
        if (job.state().isTerminal()) {
            return job;
        }
        JobRecord cancelling = store.update(jobId, j -> j.state().isTerminal() ? j
                : j.transition(JobState.CANCELLING, "CANCELLING", "cancel requested", clock.instant()));
        if (cancelling.backendHandle() != null) {
            backends.get(cancelling.decision().backend()).cancel(cancelling);
        }
        return refresh(jobId);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(Math.max(0, ms));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SoalException("interrupted", e, true);
        }
    }

    /** A job id that names no job. */
    public static final class JobNotFoundException extends SoalException {
        public JobNotFoundException(String message) {
            super(message, false);
        }
    }

    /** An idempotency key reused for a different request. */
    public static final class IdempotencyConflictException extends JobRejectedException {
        public IdempotencyConflictException(String message) {
            super(message);
        }
    }
}
