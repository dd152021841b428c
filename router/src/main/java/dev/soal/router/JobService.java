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
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
    private final MeterRegistry meters;
    private final Set<String> countedFinished = ConcurrentHashMap.newKeySet();

    public JobService(JobStore store, InputMeasurer measurer, RoutingPolicy policy, Map<Backend, JobBackend> backends,
                      S3Uri outputBase, Clock clock) {
        this(store, measurer, policy, backends, outputBase, clock, new SimpleMeterRegistry());
    }

    /**
     * @param meters where {@code soal.jobs.submitted}, {@code soal.jobs.finished} and
     *               {@code soal.submit.latency} go (by backend, and state)
     */
    public JobService(JobStore store, InputMeasurer measurer, RoutingPolicy policy, Map<Backend, JobBackend> backends,
                      S3Uri outputBase, Clock clock, MeterRegistry meters) {
        this.store = store;
        this.measurer = measurer;
        this.policy = policy;
        this.backends = Map.copyOf(backends);
        this.outputBase = outputBase;
        this.clock = clock;
        this.meters = meters;
    }

    public MeterRegistry meters() {
        return meters;
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
                && first.sparkConf().equals(asked.sparkConf())
                && (asked.outputUri() == null || asked.outputUri().equals(first.outputUri()));
        if (!same) {
            throw new IdempotencyConflictException("idempotency key '" + asked.idempotencyKey()
                    + "' already names job " + existing.id() + ", which was asked with a different script, inputs,"
                    + " output or arguments");
        }
    }

    /**
     * Submits a recorded job; every outcome ends in the store, so no job is lost. When the backend is
     * unavailable and has started no run, the job moves to the policy's fallback backend (once), and
     * the move is written into the decision's reasons.
     */
    private JobRecord send(JobRecord job) {
        SubmitOutcome outcome = submitWithRetries(job);
        if (outcome instanceof SubmitOutcome.Unavailable u) {
            Backend from = job.decision().backend();
            Backend to = policy.policies().fallback().get(from);
            if (to == null || !backends.containsKey(to)) {
                return fail(job.id(), "UNAVAILABLE", u.reason() + (to == null ? "; no fallback in the policies"
                        : "; fallback " + to + " is not configured here"));
            }
            List<String> reasons = new ArrayList<>(job.decision().reasons());
            reasons.add(from + " unavailable (" + u.reason() + ") -> fallback " + to);
            RoutingDecision moved = new RoutingDecision(to, job.decision().lambdaMemoryMb(), reasons);
            job = store.update(job.id(), j -> j.withDecision(moved, clock.instant()));
            outcome = submitWithRetries(job);
            if (outcome instanceof SubmitOutcome.Unavailable u2) {
                return fail(job.id(), "UNAVAILABLE", from + " and its fallback " + to + " are both unavailable: "
                        + u.reason() + "; " + u2.reason());
            }
        }
        if (outcome instanceof SubmitOutcome.Accepted a) {
            meters.counter("soal.jobs.submitted", "backend", job.decision().backend().id()).increment();
            return store.update(job.id(), j -> j.withBackendHandle(a.handle(), clock.instant()));
        }
        if (outcome instanceof SubmitOutcome.Rejected r) {
            return fail(job.id(), "REJECTED", r.reason());
        }
        return fail(job.id(), "SUBMIT_FAILED", ((SubmitOutcome.Failed) outcome).reason());
    }

    /** Asks the job's backend, retrying while it throttles; never throws. */
    private SubmitOutcome submitWithRetries(JobRecord job) {
        JobBackend backend = backends.get(job.decision().backend());
        Timer latency = meters.timer("soal.submit.latency", "backend", backend.kind().id());
        String lastReason = "";
        for (int attempt = 1; attempt <= SUBMIT_ATTEMPTS; attempt++) {
            SubmitOutcome outcome;
            Timer.Sample sample = Timer.start(meters);
            try {
                outcome = backend.submit(job);
            } catch (RuntimeException e) {
                return new SubmitOutcome.Failed("submit to " + backend.kind() + " failed: " + e.getMessage());
            } finally {
                sample.stop(latency);
            }
            if (!(outcome instanceof SubmitOutcome.Throttled t)) {
                return outcome;
            }
            lastReason = t.reason();
            if (attempt < SUBMIT_ATTEMPTS) {
                sleep(t.retryAfter().toMillis());
            }
        }
        return new SubmitOutcome.Failed(backend.kind() + " kept throttling after " + SUBMIT_ATTEMPTS
                + " attempts: " + lastReason);
    }

    private JobRecord fail(String id, String nativeState, String message) {
        return store.update(id, j -> j.state().isTerminal() ? j
                : j.transition(JobState.FAILED, nativeState, message, clock.instant()));
    }

    /**
     * The job's unified status now. The runtime's reports in the store come first; the backend adds its
     * progress (for backends whose runtime does not report it), its word when the run has ended without
     * a report (a crash, a kill, a timeout), and the run's cost.
     */
    public JobRecord refresh(String jobId) {
        JobRecord job = get(jobId);
        if (job.backendHandle() == null || (job.state().isTerminal() && job.cost() != null)) {
            return counted(job);
        }
        JobBackend backend = backends.get(job.decision().backend());
        if (backend == null) {
            return counted(job);
        }
        BackendStatus s = backend.status(job);
        if (job.state().isTerminal()) {
            return counted(s.state().isTerminal() && s.cost() != null
                    ? store.update(jobId, j -> j.cost() != null ? j : j.withCost(s.cost())) : job);
        }
        if (!s.state().isTerminal()) {
            boolean progress = !backend.runtimeReportsProgress() && s.state() != job.state() && job.state().canMoveTo(s.state());
            return progress ? store.update(jobId, j -> j.state().canMoveTo(s.state())
                    ? j.transition(s.state(), s.nativeState(), s.message(), clock.instant()) : j) : job;
        }
        // the run ended: the runtime's last report may have landed just now
        JobRecord latest = get(jobId);
        if (latest.state().isTerminal()) {
            return counted(s.cost() == null ? latest : store.update(jobId, j -> j.cost() != null ? j : j.withCost(s.cost())));
        }
        boolean silent = backend.runtimeReportsProgress() && s.state() == JobState.SUCCEEDED;
        JobState end = silent ? JobState.FAILED : s.state();
        String message = silent ? "the run ended (" + s.message() + ") without reporting a result" : s.message();
        return counted(store.update(jobId, j -> {
            if (j.state().isTerminal()) {
                return j;
            }
            JobRecord moved = j.state().canMoveTo(end) ? j.transition(end, s.nativeState(), message, clock.instant())
                    : j.transition(JobState.FAILED, s.nativeState(), message, clock.instant());
            return s.cost() == null ? moved : moved.withCost(s.cost());
        }));
    }

    /** Counts a job in {@code soal.jobs.finished} the first time this router sees it terminal. */
    private JobRecord counted(JobRecord job) {
        if (job.state().isTerminal() && countedFinished.add(job.id())) {
            meters.counter("soal.jobs.finished", "backend", job.decision().backend().id(), "state", job.state().name())
                    .increment();
            if (countedFinished.size() > 100_000) {
                countedFinished.clear();
            }
        }
        return job;
    }

    /** Up to {@code limit} jobs, newest first, in {@code state} if given. */
    public List<JobRecord> list(JobState state, int limit) {
        return store.list(limit, j -> state == null || j.state() == state);
    }

    /**
     * Refreshes up to {@code limit} jobs that have not ended, so runs that died without reporting are
     * noticed even when nobody asks (the local server does this every few seconds).
     */
    public int refreshActive(int limit) {
        int n = 0;
        for (JobRecord j : store.list(limit, j -> !j.state().isTerminal())) {
            try {
                refresh(j.id());
                n++;
            } catch (RuntimeException e) {
                // one job's backend failing must not stop the others; the next round tries again
            }
        }
        return n;
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
