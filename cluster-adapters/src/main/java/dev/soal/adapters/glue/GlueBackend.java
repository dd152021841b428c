package dev.soal.adapters.glue;

import dev.soal.adapters.aws.AwsErrors;
import dev.soal.core.Prices;
import dev.soal.adapters.aws.Resilience;
import dev.soal.adapters.aws.SubmitFailures;
import dev.soal.core.Backend;
import dev.soal.core.BackendStatus;
import dev.soal.core.Cost;
import dev.soal.core.JobBackend;
import dev.soal.core.JobRecord;
import dev.soal.core.JobState;
import dev.soal.core.RunnerArgs;
import dev.soal.core.SoalException;
import dev.soal.core.SubmitOutcome;
import dev.soal.core.TableSettings;
import dev.soal.policies.Policies;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import software.amazon.awssdk.services.glue.GlueClient;
import software.amazon.awssdk.services.glue.model.BatchStopJobRunResponse;
import software.amazon.awssdk.services.glue.model.ExecutionClass;
import software.amazon.awssdk.services.glue.model.GetJobRunsResponse;
import software.amazon.awssdk.services.glue.model.JobRun;
import software.amazon.awssdk.services.glue.model.JobRunState;
import software.amazon.awssdk.services.glue.model.StartJobRunRequest;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * Runs jobs as runs of one Glue 5.0+ job (a {@code glueetl} job whose {@code --class} is the runner and
 * whose {@code --extra-jars} holds the runner jar). Glue has no client token, so idempotency is ours:
 * every run carries the job id in its {@code --job-id} argument, and a submit that follows an ambiguous
 * failure first looks for a run with that id (GetJobRuns) before it starts one. A retried submit never
 * starts a second run.
 */
public final class GlueBackend implements JobBackend {
    static final String NAME = "glue";
    /** How far back (in runs of the Glue job) a retried submit looks for its own run. */
    static final int LOOKBACK_PAGES = 3;

    /** Every Glue job run state and its unified state. */
    public static final Map<JobRunState, JobState> STATES = states();

    /**
     * @param jobName  the Glue job (Glue 5.0+, Spark 3.5, Java 17), created for the runner jar
     * @param jobStore the job store the runner reports to; null for none
     * @param tables   the {@code soal} catalog every run gets (the Glue Data Catalog in AWS); none for none
     */
    public record Config(String jobName, String jobStore, Policies.GluePolicy policy, TableSettings tables) {
        public Config {
            if (jobName == null || jobName.isBlank()) {
                throw new IllegalArgumentException("Glue jobName must be set");
            }
            tables = tables == null ? TableSettings.none() : tables;
        }

        public Config(String jobName, String jobStore, Policies.GluePolicy policy) {
            this(jobName, jobStore, policy, TableSettings.none());
        }
    }

    private final GlueClient glue;
    private final Config config;
    private final Resilience resilience;

    public GlueBackend(GlueClient glue, Config config, Resilience resilience) {
        this.glue = glue;
        this.config = config;
        this.resilience = resilience;
    }

    @Override
    public Backend kind() {
        return Backend.GLUE;
    }

    /** The StartJobRun request this backend sends for {@code job}. */
    public StartJobRunRequest startRequest(JobRecord job) {
        Policies.GluePolicy p = config.policy();
        Map<String, String> arguments = new java.util.LinkedHashMap<>(dev.soal.core.TableFormats.GLUE_ARGUMENTS);
        arguments.putAll(RunnerArgs.of(job, config.jobStore(), config.tables()).toMap());
        return StartJobRunRequest.builder()
                .jobName(config.jobName())
                .arguments(arguments)
                .workerType(p.workerType())
                .numberOfWorkers(p.numberOfWorkers())
                .timeout(p.timeoutMinutes())
                .executionClass(ExecutionClass.fromValue(p.executionClass()))
                .build();
    }

    @Override
    public SubmitOutcome submit(JobRecord job) {
        StartJobRunRequest request = startRequest(job);
        // a job submitted before (by a router that died before recording the run) may have its run already
        AtomicBoolean triedBefore = new AtomicBoolean(job.submits() > 1);
        try {
            return resilience.call(NAME, () -> {
                if (triedBefore.getAndSet(true)) {
                    Optional<String> existing = findRun(job);
                    if (existing.isPresent()) {
                        return new SubmitOutcome.Accepted(existing.get(), "FOUND_ON_RETRY");
                    }
                }
                return new SubmitOutcome.Accepted(glue.startJobRun(request).jobRunId(), "STARTING");
            });
        } catch (CallNotPermittedException e) {
            return new SubmitOutcome.Unavailable("glue circuit breaker is open");
        } catch (RuntimeException e) {
            return switch (AwsErrors.kind(e)) {
                case CLIENT -> new SubmitOutcome.Rejected(AwsErrors.code(e) + ": " + AwsErrors.message(e));
                case THROTTLED, AMBIGUOUS -> SubmitFailures.afterFailure(NAME, job, e,
                        () -> resilience.call(NAME, () -> findRun(job)));
            };
        }
    }

    /** The run of the Glue job whose {@code --job-id} argument is this job's id, among the latest runs. */
    @Override
    public Optional<String> findRun(JobRecord job) {
        String token = null;
        for (int page = 0; page < LOOKBACK_PAGES; page++) {
            String next = token;
            GetJobRunsResponse r = glue.getJobRuns(b -> b.jobName(config.jobName()).maxResults(200).nextToken(next));
            for (JobRun run : r.jobRuns()) {
                if (job.id().equals(run.arguments().get("--job-id"))) {
                    return Optional.of(run.id());
                }
            }
            token = r.nextToken();
            if (token == null) {
                break;
            }
        }
        return Optional.empty();
    }

    /** The job id from the run's {@code --job-id} argument. */
    @Override
    public Optional<String> jobIdOf(String handle) {
        JobRun run = resilience.call(NAME, () -> glue.getJobRun(r -> r.jobName(config.jobName()).runId(handle)
                .predecessorsIncluded(false))).jobRun();
        return run.hasArguments() ? Optional.ofNullable(run.arguments().get("--job-id")) : Optional.empty();
    }

    @Override
    public BackendStatus status(JobRecord job) {
        JobRun run = resilience.call(NAME, () -> glue.getJobRun(r -> r.jobName(config.jobName())
                .runId(job.backendHandle()).predecessorsIncluded(false))).jobRun();
        JobState state = STATES.get(run.jobRunState());
        if (state == null) {
            return new BackendStatus(job.state(), run.jobRunStateAsString(), "state unknown to this SoAL version");
        }
        String message = run.errorMessage() != null ? run.errorMessage() : run.stateDetail();
        if (run.jobRunState() == JobRunState.EXPIRED) {
            message = "the run expired before it could start" + (message == null ? "" : ": " + message);
        }
        return new BackendStatus(state, run.jobRunStateAsString(), message, state.isTerminal() ? cost(run) : null);
    }

    /** DPUs per worker of each Glue worker type (G.025X is a quarter DPU; Z.2X the ML type). */
    static final Map<String, Double> DPU_PER_WORKER = Map.of("G.025X", 0.25, "G.1X", 1.0, "G.2X", 2.0, "G.4X", 4.0,
            "G.8X", 8.0, "G.12X", 12.0, "G.16X", 16.0, "Z.2X", 2.0, "R.1X", 1.0, "R.2X", 2.0);

    /** The run's own cost: its DPU-seconds when Glue gives them, else its own worker type and count, else its capacity. */
    Cost cost(JobRun run) {
        Double perWorker = run.workerTypeAsString() == null ? null : DPU_PER_WORKER.get(run.workerTypeAsString());
        double dpus = run.numberOfWorkers() != null
                ? run.numberOfWorkers() * (perWorker != null ? perWorker : config.policy().dpuPerWorker())
                : run.maxCapacity() != null ? run.maxCapacity() : 0;
        long seconds = run.executionTime() == null ? 0 : run.executionTime();
        return Prices.glue(seconds, dpus, run.dpuSeconds(), run.executionClass() == ExecutionClass.FLEX);
    }

    /** BatchStopJobRun answers 200 even when it could not stop the run: those errors are failures here. */
    @Override
    public void cancel(JobRecord job) {
        BatchStopJobRunResponse r = resilience.call(NAME, () -> glue.batchStopJobRun(b -> b.jobName(config.jobName())
                .jobRunIds(job.backendHandle())));
        if (r.hasErrors() && !r.errors().isEmpty()) {
            throw new SoalException("glue could not stop run " + job.backendHandle() + ": " + r.errors().stream()
                    .map(e -> e.errorDetail() == null ? "?" : e.errorDetail().errorCode() + ": " + e.errorDetail().errorMessage())
                    .collect(Collectors.joining("; ")) + " [jobId=" + job.id() + "]", false);
        }
    }

    private static Map<JobRunState, JobState> states() {
        Map<JobRunState, JobState> m = new EnumMap<>(JobRunState.class);
        m.put(JobRunState.WAITING, JobState.QUEUED);
        m.put(JobRunState.STARTING, JobState.QUEUED);
        m.put(JobRunState.RUNNING, JobState.RUNNING);
        m.put(JobRunState.STOPPING, JobState.CANCELLING);
        m.put(JobRunState.STOPPED, JobState.CANCELLED);
        m.put(JobRunState.SUCCEEDED, JobState.SUCCEEDED);
        m.put(JobRunState.FAILED, JobState.FAILED);
        m.put(JobRunState.ERROR, JobState.FAILED);
        m.put(JobRunState.TIMEOUT, JobState.TIMED_OUT);
        m.put(JobRunState.EXPIRED, JobState.TIMED_OUT);
        return Map.copyOf(m);
    }
}
