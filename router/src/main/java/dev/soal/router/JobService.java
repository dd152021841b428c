package dev.soal.router;

import dev.soal.core.Backend;
import dev.soal.core.BackendStatus;
import dev.soal.core.Deadline;
import dev.soal.core.JobBackend;
import dev.soal.core.JobIds;
import dev.soal.core.JobOutcomes;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRejectedException;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.JobStore;
import dev.soal.core.Lease;
import dev.soal.core.Measurement;
import dev.soal.core.RoutingDecision;
import dev.soal.core.PastRun;
import dev.soal.core.ResourceExhaustion;
import dev.soal.core.RunHistory;
import dev.soal.core.S3Uri;
import dev.soal.core.SpillOvers;
import dev.soal.core.SoalException;
import dev.soal.core.SubmitOutcome;
import dev.soal.policies.RoutingPolicy;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The router's one flow, whatever the trigger: check the allowlists, measure the inputs, decide by
 * policy, record the job (before anything is submitted; a repeated idempotency key returns the first
 * job), submit it, and fold what the backend says into the unified status.
 *
 * <p>Submitting is leased: the router that records a job holds its {@link JobRecord#submitLease()} while
 * it submits. A job whose lease lapsed without a run (its router died, or the runtime never claimed it)
 * is submitted again by {@link #reconcile}, through the backends' own idempotency (EMR Serverless's
 * client token, the Glue run lookup, the runtime's claim), so it runs once.
 *
 * <pre>{@code
 * JobService jobs = new JobService(store, measurer, policy, backends, S3Uri.parse("s3://out/jobs/"), clock);
 * JobService.Submitted s = jobs.submit(request);
 * JobRecord now = jobs.refresh(s.job().id());
 * }</pre>
 */
public final class JobService {
    /** How long a router holds a job it is submitting before another may submit it. */
    public static final Duration SUBMIT_LEASE = Duration.ofSeconds(30);
    /** Submissions of one job at most, before it is failed as never started. */
    public static final int MAX_SUBMITS = 3;
    /** Past its lease by this much, a runtime that stopped renewing is taken as gone. */
    public static final Duration LEASE_GRACE = Duration.ofSeconds(15);
    /** The reconciler leaves jobs younger than this to the router that recorded them. */
    public static final Duration RECONCILE_AFTER = Duration.ofSeconds(10);
    /** Jobs a sweep looks at together (each mostly waits on the store and its backend). */
    static final int SWEEP_PARALLELISM = 8;
    /** A sweep starts no more jobs with less than this left before its deadline (a job's calls may take it). */
    static final Duration SWEEP_RESERVE = Duration.ofSeconds(30);
    /**
     * An unfinished job older than this is counted by every sweep as {@code soal.jobs.stuck} (the stack alarms on
     * it): past the clusters' longest default timeout (2 h), no run should still be going.
     */
    public static final Duration STALE_AFTER = Duration.ofHours(3);

    private final JobStore store;
    private final InputMeasurer measurer;
    private final RoutingPolicy policy;
    private final Map<Backend, JobBackend> backends;
    private final S3Uri outputBase;
    private final Clock clock;
    private final MeterRegistry meters;
    /** This router's name in leases; see {@link #identify}. */
    private volatile String routerId;
    private volatile String environment;
    /** Where ended jobs are counted ({@link #countOutcomesWith}). */
    private volatile Consumer<JobRecord> outcomes = this::countInMeters;

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

    /** This router's name in the leases it takes. */
    /**
     * Tells the router which execution environment it runs in (Lambda's log stream name, unique per
     * environment), on every invocation: in a new one it takes a new name. SnapStart restores many environments
     * from one snapshot of an initialised router; a name made before the snapshot would be shared, and two
     * routers with one name would each take the other's submit lease for its own.
     */
    public void identify(String executionEnvironment) {
        if (executionEnvironment != null && !executionEnvironment.equals(environment)) {
            synchronized (this) {
                if (!executionEnvironment.equals(environment)) {
                    environment = executionEnvironment;
                    routerId = "router-" + UUID.randomUUID().toString().substring(0, 8);
                }
            }
        }
    }

    public String routerId() {
        String id = routerId;
        if (id == null) {
            synchronized (this) {
                if (routerId == null) {
                    routerId = "router-" + UUID.randomUUID().toString().substring(0, 8);
                }
                id = routerId;
            }
        }
        return id;
    }

    /** The measurement and decision for a request, without recording or running anything. */
    public record Plan(Measurement measurement, RoutingDecision decision) {
    }

    /** A submitted job; {@code existing} when the idempotency key found an earlier one. */
    public record Submitted(JobRecord job, boolean existing) {
    }

    /**
     * The request checked, its inputs measured, and the decision: by the policies, with what the script's past runs on
     * inputs of the same shape took ({@link RunHistory}, one read).
     */
    public Plan plan(JobRequest request) {
        policy.checkAllowed(request);
        String version = measurer.requireScript(request.scriptUri());
        Measurement m = measurer.measure(request.inputUris()).withScriptVersion(version);
        RunHistory.Key key = RunHistory.Key.of(request, m);
        List<PastRun> past = key == null ? List.of() : store.history().recent(key);
        return new Plan(m, policy.decide(request, m, past));
    }

    public Submitted submit(JobRequest request) {
        Plan plan = plan(request);
        Instant now = clock.instant();
        String id = JobIds.next(now);
        JobRequest withOutput = request.outputUri() != null ? request
                : request.withOutputUri(outputBase.resolve(id + "/").toString());
        policy.checkAllowed(withOutput);
        JobRecord job = JobRecord.queued(id, withOutput, plan.measurement(), plan.decision(), now).toBuilder()
                .submitLease(Lease.of(routerId(), now, SUBMIT_LEASE)).submits(1).build();
        JobStore.CreateOutcome created = store.create(job, request.idempotencyKey(), request.fingerprint());
        if (created instanceof JobStore.CreateOutcome.Conflict conflict) {
            throw new IdempotencyConflictException("idempotency key '" + request.idempotencyKey()
                    + "' already names job " + conflict.job().id() + ", which was asked with a different script, inputs,"
                    + " output, arguments, tags or Spark settings");
        }
        if (created instanceof JobStore.CreateOutcome.Existing existing) {
            return new Submitted(existing.job(), true);
        }
        // ours (recorded with our lease: send it at once), or one whose creator died before recording it
        JobRecord recorded = created.job();
        boolean ours = recorded.submitLease() != null && recorded.submitLease().ownedBy(routerId());
        return new Submitted(ours ? send(recorded) : send(recorded.id()), false);
    }

    /**
     * Submits a recorded job if this router can take its submit lease; every outcome ends in the store,
     * so no job is lost. A job being cancelled is not submitted: it ends CANCELLED (after any run found
     * from an earlier submit is cancelled). When the backend is unavailable and has started no run, the
     * job moves to the policy's fallback backend (once), and the move is written into its reasons.
     */
    private JobRecord send(String jobId) {
        Instant now = clock.instant();
        JobRecord job = update(jobId, j -> needsSubmit(j, now) ? j.toBuilder()
                .submitLease(Lease.of(routerId(), now, SUBMIT_LEASE)).submits(j.submits() + 1).build() : j);
        if (job.submitLease() == null || !job.submitLease().ownedBy(routerId()) || !job.submitLease().liveAt(now)
                || job.state().isTerminal()) {
            return job; // another router holds it, or there is nothing to send
        }
        if (job.spilledFrom() != null && job.submits() == 1) {
            // once per job: this router took the first submit of its cluster run
            meters.counter(JobOutcomes.SPILLED, "from", job.spilledFrom().backend().id(), "to", job.decision().backend().id(),
                    "kind", job.spilledFrom().kind().name()).increment();
        }
        return send(job);
    }

    /** Sends a job whose submit lease this router holds. */
    private JobRecord send(JobRecord job) {
        String jobId = job.id();
        JobBackend first = backends.get(job.decision().backend());
        if (job.state() == JobState.CANCELLING) {
            return cancelUnsent(job, first);
        }
        if (job.submits() > MAX_SUBMITS) {
            return fail(jobId, "NEVER_STARTED", "no run started after " + MAX_SUBMITS + " submissions to "
                    + job.decision().backend());
        }
        SubmitOutcome outcome = submitOnce(job);
        if (outcome instanceof SubmitOutcome.Unavailable u) {
            Backend from = job.decision().backend();
            Backend to = policy.policies().fallback().get(from);
            if (to == null || !backends.containsKey(to)) {
                return fail(jobId, "UNAVAILABLE", u.reason() + (to == null ? "; no fallback in the policies"
                        : "; fallback " + to + " is not configured here"));
            }
            List<String> reasons = new ArrayList<>(job.decision().reasons());
            reasons.add(from + " unavailable (" + u.reason() + ") -> fallback " + to);
            RoutingDecision moved = job.decision().movedTo(to, reasons);
            job = update(jobId, j -> j.backendHandle() == null && j.state() == JobState.QUEUED
                    ? j.withDecision(moved, clock.instant()) : j);
            if (job.decision().backend() != to) {
                return job;
            }
            outcome = submitOnce(job);
            if (outcome instanceof SubmitOutcome.Unavailable u2) {
                return fail(jobId, "UNAVAILABLE", from + " and its fallback " + to + " are both unavailable: "
                        + u.reason() + "; " + u2.reason());
            }
        }
        if (outcome instanceof SubmitOutcome.Accepted a) {
            JobBackend backend = backends.get(job.decision().backend());
            meters.counter("soal.jobs.submitted", "backend", job.decision().backend().id()).increment();
            Instant at = clock.instant();
            // a runtime-reported path keeps a lease until the runtime claims the job; a cluster's own states take over
            Lease until = backend.runtimeReportsProgress() ? Lease.of(routerId(), at, backend.startLease()) : null;
            JobRecord accepted = update(jobId, j -> j.toBuilder().backendHandle(a.handle()).submitLease(until)
                    .updatedAt(at).build());
            if (accepted.state() == JobState.CANCELLING) {
                backend.cancel(accepted); // the cancel came while the submit was on its way
            }
            return accepted;
        }
        if (outcome instanceof SubmitOutcome.Rejected r) {
            return fail(jobId, "REJECTED", r.reason());
        }
        if (outcome instanceof SubmitOutcome.Throttled t) {
            return deferred(jobId, t);
        }
        return fail(jobId, "SUBMIT_FAILED", ((SubmitOutcome.Failed) outcome).reason());
    }

    /**
     * True when the job has no run that reports on it yet and nobody holds its submit lease: never
     * submitted, or submitted to a runtime that never claimed it.
     */
    private boolean needsSubmit(JobRecord j, Instant now) {
        if (j.state() != JobState.QUEUED && j.state() != JobState.CANCELLING) {
            return false;
        }
        JobBackend backend = backends.get(j.decision().backend());
        boolean unsent = j.backendHandle() == null
                || (backend != null && backend.runtimeReportsProgress() && j.attempt() == null);
        return unsent && (j.submitLease() == null || !j.submitLease().liveAt(now));
    }

    /** A cancelled job with no run on record: cancel any run an earlier submit started, else end it CANCELLED. */
    private JobRecord cancelUnsent(JobRecord job, JobBackend backend) {
        Optional<String> run = job.backendHandle() != null && !backend.runtimeReportsProgress()
                ? Optional.of(job.backendHandle()) : backend.findRun(job);
        if (run.isPresent() && !backend.runtimeReportsProgress()) {
            JobRecord found = update(job.id(), j -> j.toBuilder().backendHandle(run.get()).submitLease(null).build());
            backend.cancel(found);
            return found;
        }
        return update(job.id(), j -> j.state() != JobState.CANCELLING ? j : j.transition(JobState.CANCELLED,
                "CANCELLED", "cancelled before it started", clock.instant()).toBuilder().submitLease(null).build());
    }

    /**
     * Asks the job's backend once (its calls have their own retry layer, {@code Resilience}); never throws. With
     * less time left before the request's deadline than one attempt may take, it does not ask at all.
     */
    private SubmitOutcome submitOnce(JobRecord job) {
        JobBackend backend = backends.get(job.decision().backend());
        if (backend == null) {
            return new SubmitOutcome.Rejected("backend " + job.decision().backend() + " is not configured here");
        }
        if (!Deadline.current().allows(Duration.ZERO, dev.soal.adapters.aws.Resilience.ATTEMPT_RESERVE)) {
            return new SubmitOutcome.Throttled(Duration.ZERO, "no time left to submit before " + Deadline.current().what()
                    + " was due");
        }
        Timer.Sample sample = Timer.start(meters);
        try {
            return backend.submit(job);
        } catch (RuntimeException e) {
            return new SubmitOutcome.Failed("submit to " + backend.kind() + " failed: " + e.getMessage());
        } finally {
            sample.stop(meters.timer("soal.submit.latency", "backend", backend.kind().id()));
        }
    }

    /**
     * The backend is throttling (after its retries), or there was no time to ask: the job stays QUEUED with the
     * reason, its submit lease given up, and the reconciler sends it again (at most {@link #MAX_SUBMITS} times).
     */
    private JobRecord deferred(String jobId, SubmitOutcome.Throttled t) {
        return update(jobId, j -> j.state() != JobState.QUEUED || j.backendHandle() != null ? j
                : j.noted("THROTTLED", t.reason() + "; the reconciler submits it again", clock.instant())
                        .toBuilder().submitLease(null).build());
    }

    private JobRecord fail(String id, String nativeState, String message) {
        return update(id, j -> j.state().isTerminal() ? j
                : j.transition(JobState.FAILED, nativeState, message, clock.instant()).toBuilder().submitLease(null).build());
    }

    /**
     * The job's unified status now ({@link StatusFold}): the runtime's reports in the store come first;
     * the backend adds its progress and words (for backends whose runtime does not report), its word
     * when the run ended without a report (a crash, a kill, a timeout), and the run's cost. A runtime
     * that stopped renewing its lease is taken as gone.
     */
    public JobRecord refresh(String jobId) {
        JobRecord job = get(jobId);
        if (SpillOvers.awaitsClusterSubmit(job) && needsSubmit(job, clock.instant())) {
            return send(jobId); // its runtime spilled it over: its cluster run is submitted by whoever sees it first
        }
        JobBackend backend = backends.get(job.decision().backend());
        // a runtime may have claimed a job whose handle was never recorded (its router died after the submit)
        boolean claimed = job.attempt() != null && backend != null && backend.runtimeReportsProgress();
        if ((job.backendHandle() == null && !claimed) || (job.state().isTerminal() && job.cost() != null) || backend == null) {
            return counted(job);
        }
        BackendStatus s = backend.status(job);
        Instant now = clock.instant();
        JobRecord folded = StatusFold.fold(job, s, backend.runtimeReportsProgress(), now, LEASE_GRACE);
        if (folded.equals(job)) {
            return counted(job);
        }
        // the backend's word is about the run it was asked of: a job that moved meanwhile (spilled over) is left alone
        return update(jobId, j -> j.decision().backend() != job.decision().backend() ? j
                : StatusFold.fold(j, s, backend.runtimeReportsProgress(), clock.instant(), LEASE_GRACE));
    }

    /** Up to {@code limit} jobs, newest first, in {@code state} if given, after the page of {@code pageToken}. */
    public JobStore.Page list(JobState state, int limit, String pageToken) {
        return store.list(state, limit, pageToken);
    }

    /** Up to {@code limit} jobs, newest first, in {@code state} if given. */
    public List<JobRecord> list(JobState state, int limit) {
        return store.list(state, limit, null).jobs();
    }

    /**
     * Moves one unfinished job forward without anyone asking: submits it again when its submit lapsed
     * with no run (or finishes its cancel), and otherwise asks its backend ({@link #refresh}), which
     * notices runs that ended without reporting, runtimes that stopped renewing, and timeouts.
     */
    public JobRecord reconcile(JobRecord job) {
        if (needsSubmit(job, clock.instant())) {
            return send(job.id());
        }
        return refresh(job.id());
    }

    /**
     * One sweep over the index of unfinished jobs ({@link JobStore#unfinished}), at most {@code limit} of them:
     * {@link #reconcile} for each, {@link #SWEEP_PARALLELISM} at a time, while the sweep's {@link Deadline} leaves
     * {@link #SWEEP_RESERVE}. One job's failure does not stop the others. Where it stopped (at the limit, or at the
     * deadline) is kept in the store, and the next sweep, in whatever execution environment, goes on from there.
     *
     * @return how many jobs were looked at
     */
    public int reconcileUnfinished(int limit) {
        // a job younger than this is in the hands of the router that recorded it; with more unfinished jobs
        // than one sweep takes, the next sweep goes on with the older ones, so none waits for ever
        Instant young = clock.instant().minus(RECONCILE_AFTER);
        Instant cursor = store.sweepCursor().orElse(null);
        Instant from = cursor != null && cursor.isBefore(young) ? cursor : young;
        List<JobRecord> batch = store.unfinished(limit, from);
        Instant stale = clock.instant().minus(STALE_AFTER);
        long stuck = batch.stream().filter(j -> j.createdAt().isBefore(stale)).count();
        if (stuck > 0) {
            meters.counter("soal.jobs.stuck").increment(stuck);
        }
        // one job's backend failing does not stop the others; the next sweep tries it again
        int done = Waves.run(batch, SWEEP_PARALLELISM, Deadline.current(), SWEEP_RESERVE, this::reconcile);
        Instant next;
        if (done < batch.size()) {
            next = done == 0 ? cursor : batch.get(done - 1).createdAt(); // the deadline came first
        } else {
            next = batch.size() >= limit ? batch.get(batch.size() - 1).createdAt() : null;
        }
        if (!java.util.Objects.equals(next, cursor)) {
            store.sweepCursor(next);
        }
        return done;
    }

    /** The job a run of {@code backend} belongs to, asked of the backend. */
    public Optional<String> jobIdOf(Backend backend, String handle) {
        JobBackend b = backends.get(backend);
        return b == null ? Optional.empty() : b.jobIdOf(handle);
    }

    /**
     * The runtime's invocation {@code requestId} failed for good (Lambda's on-failure destination): the
     * job ends FAILED (TIMED_OUT when the function timed out) with the function's own error, unless it
     * has ended, or another invocation holds a live claim on it (a duplicate delivery still running).
     */
    public JobRecord runtimeFailed(String jobId, String requestId, boolean timedOut, String nativeState, String message) {
        JobRecord before = get(jobId);
        Instant now = clock.instant();
        // out of memory, /tmp or time, or a runtime that exited: it runs again on a cluster, if the job may (SpillOvers)
        Optional<ResourceExhaustion.Kind> kind = ResourceExhaustion.of(nativeState, message);
        Optional<String> refused = kind.isEmpty() ? Optional.empty() : SpillOvers.refusal(before)
                .or(() -> measurer.outputWrittenSince(before.request().outputUri(), before.createdAt())
                        .map(why -> "a second attempt could mix its output with this one's: " + why));
        JobRecord after = update(jobId, j -> {
            // ended, or moved to a cluster (spilled over): a record of a Lambda invocation says nothing of it now
            if (j.state().isTerminal() || j.decision().backend() != Backend.LAMBDA) {
                return j;
            }
            // the runtime's attempt ids start with the Lambda request id of their invocation
            boolean heldByAnother = j.attempt() != null && j.attempt().liveAt(now)
                    && !(requestId != null && j.attempt().owner().startsWith(requestId));
            if (heldByAnother) {
                return j;
            }
            Optional<String> no = refused.or(() -> SpillOvers.refusal(j));
            if (kind.isPresent() && no.isEmpty()) {
                long ran = Math.max(0, Duration.between(attemptBegan(j), now).toMillis());
                return SpillOvers.spill(j, kind.get(), message, ran,
                        dev.soal.core.Prices.lambda(j.decision().lambdaMemoryMb(), ran), now);
            }
            JobState end = j.state() == JobState.CANCELLING ? JobState.CANCELLED : timedOut ? JobState.TIMED_OUT : JobState.FAILED;
            // where spill-over is in play, the status says why this job did not spill
            String said = kind.isPresent() && j.decision().spillTo() != null
                    ? message + " (" + kind.get().text() + "; not spilled over: " + no.get() + ")" : message;
            return j.transition(end, nativeState, said, now).toBuilder().submitLease(null).build();
        });
        return SpillOvers.awaitsClusterSubmit(after) ? send(after.id()) : after;
    }

    /** When the job's latest run began: its last move to RUNNING, else its creation. */
    private static Instant attemptBegan(JobRecord j) {
        for (int i = j.history().size() - 1; i >= 0; i--) {
            if (j.history().get(i).state() == JobState.RUNNING) {
                return j.history().get(i).at();
            }
        }
        return j.createdAt();
    }

    public JobRecord get(String jobId) {
        return store.get(jobId).orElseThrow(() -> new JobNotFoundException("no such job: " + jobId));
    }

    /**
     * Asks the job to stop. A job with no run yet is stopped from starting: it ends CANCELLED here, or, if
     * a submit is under way, when that submit sees the cancel. A run is cancelled through its backend
     * (cooperatively on runtime-reported paths: the runtime watches the record).
     */
    public JobRecord cancel(String jobId) {
        JobRecord job = get(jobId);
        if (job.state().isTerminal()) {
            return job;
        }
        JobRecord cancelling = update(jobId, j -> j.state().isTerminal() || j.state() == JobState.CANCELLING ? j
                : j.transition(JobState.CANCELLING, "CANCELLING", "cancel requested", clock.instant()));
        if (cancelling.state().isTerminal()) {
            return cancelling;
        }
        JobBackend backend = backends.get(cancelling.decision().backend());
        if (needsSubmit(cancelling, clock.instant())) {
            return send(jobId);
        }
        if (cancelling.backendHandle() != null && backend != null) {
            backend.cancel(cancelling);
        }
        return refresh(jobId);
    }

    /** An ended job nobody has counted yet (a runner ended it outside Lambda) is counted now, by a write. */
    private JobRecord counted(JobRecord job) {
        return job.state().isTerminal() && !job.counted() ? update(job.id(), UnaryOperator.identity()) : job;
    }

    /**
     * Where ended jobs are counted ({@link JobOutcomes}): by default into this service's meters, as
     * {@code soal.jobs.finished} and {@code soal.jobs.duration}; in AWS as EMF lines.
     */
    public void countOutcomesWith(Consumer<JobRecord> counter) {
        this.outcomes = java.util.Objects.requireNonNull(counter, "counter");
    }

    private void countInMeters(JobRecord ended) {
        String backend = ended.decision().backend().id();
        String state = ended.state().name();
        meters.counter(JobOutcomes.FINISHED, "backend", backend, "state", state).increment();
        meters.timer(JobOutcomes.DURATION, "backend", backend, "state", state)
                .record(JobOutcomes.durationMillis(ended), java.util.concurrent.TimeUnit.MILLISECONDS);
        // how long a job took to succeed against its prediction; a failed or cancelled one says nothing of it
        dev.soal.core.PredictionOutcome.of(ended).filter(o -> ended.state() == dev.soal.core.JobState.SUCCEEDED).ifPresent(o ->
                meters.summary(JobOutcomes.PREDICTION_RATIO, "backend", o.backend().id()).record(o.timeRatio()));
    }

    /**
     * Applies a change through the store. A change that ends the job, or finds it ended and not counted, marks
     * it counted in the same write, and this service counts it: each job once, whoever ended it.
     */
    private JobRecord update(String jobId, UnaryOperator<JobRecord> change) {
        AtomicReference<JobRecord> seen = new AtomicReference<>();
        JobRecord after = store.update(jobId, j -> {
            seen.set(j);
            return JobOutcomes.markCounted(change.apply(j));
        });
        JobRecord before = seen.get();
        String backend = after.decision().backend().id();
        if (JobOutcomes.countedBy(before, after)) {
            outcomes.accept(after);
            RunHistory.recordEnd(store, after); // whoever counts an end adds it to the history: each job once
        }
        if (before != null && before.cost() == null && after.cost() != null) {
            meters.counter("soal.jobs.cost.usd", "backend", backend).increment(after.cost().usd());
        }
        return after;
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
