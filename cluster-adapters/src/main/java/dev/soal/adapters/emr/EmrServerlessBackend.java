package dev.soal.adapters.emr;

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
import dev.soal.core.TableFormats;
import dev.soal.core.SubmitOutcome;
import dev.soal.core.TableSettings;
import dev.soal.policies.Policies;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import software.amazon.awssdk.services.emrserverless.EmrServerlessClient;
import software.amazon.awssdk.services.emrserverless.model.JobRun;
import software.amazon.awssdk.services.emrserverless.model.JobRunState;
import software.amazon.awssdk.services.emrserverless.model.JobRunSummary;
import software.amazon.awssdk.services.emrserverless.model.ResourceUtilization;
import software.amazon.awssdk.services.emrserverless.model.StartJobRunRequest;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Runs jobs on an EMR Serverless application: StartJobRun of the runner jar ({@code entryPoint}) with the
 * job's {@link RunnerArgs} as {@code entryPointArguments}, {@code clientToken} = the job id (a retried
 * submit returns the same run), the sizes from the policy, a timeout, the S3 log URI and the job id as a
 * tag. GetJobRun gives the state; CancelJobRun cancels.
 */
public final class EmrServerlessBackend implements JobBackend {
    static final String NAME = "emr-serverless";
    static final String RUNNER_MAIN = "dev.soal.runtime.RunnerMain";

    /** Every EMR Serverless job run state and its unified state (CANCELLED may become TIMED_OUT, see {@link #status}). */
    public static final Map<JobRunState, JobState> STATES = states();

    /**
     * @param applicationId    the EMR Serverless application (release emr-7.x: Spark 3.5, Java 17)
     * @param executionRoleArn the role the job runs as
     * @param runnerJarUri     {@code s3://.../soal-runner.jar}
     * @param logUri           where EMR Serverless writes driver and executor logs; null for none
     * @param jobStore         the job store the runner reports to; null for none
     * @param tables           the {@code soal} catalog every run gets (the Glue Data Catalog in AWS); none for none
     * @param eventLogDir      where runs write their Spark event logs ({@link dev.soal.core.SparkEventLogs}); null for
     *                         the service's own
     */
    public record Config(String applicationId, String executionRoleArn, String runnerJarUri, String logUri,
                         String jobStore, Policies.EmrPolicy policy, TableSettings tables, String eventLogDir) {
        public Config {
            require(applicationId, "applicationId");
            require(executionRoleArn, "executionRoleArn");
            require(runnerJarUri, "runnerJarUri");
            tables = tables == null ? TableSettings.none() : tables;
        }

        public Config(String applicationId, String executionRoleArn, String runnerJarUri, String logUri, String jobStore,
                      Policies.EmrPolicy policy) {
            this(applicationId, executionRoleArn, runnerJarUri, logUri, jobStore, policy, TableSettings.none());
        }

        public Config(String applicationId, String executionRoleArn, String runnerJarUri, String logUri, String jobStore,
                      Policies.EmrPolicy policy, TableSettings tables) {
            this(applicationId, executionRoleArn, runnerJarUri, logUri, jobStore, policy, tables, null);
        }
    }


    private final EmrServerlessClient emr;
    private final Config config;
    private final Resilience resilience;

    public EmrServerlessBackend(EmrServerlessClient emr, Config config, Resilience resilience) {
        this.emr = emr;
        this.config = config;
        this.resilience = resilience;
    }

    @Override
    public Backend kind() {
        return Backend.EMR_SERVERLESS;
    }

    static String runName(String jobId) {
        return "soal-" + jobId;
    }

    /** The StartJobRun request this backend sends for {@code job}. */
    public StartJobRunRequest startRequest(JobRecord job) {
        return StartJobRunRequest.builder()
                .applicationId(config.applicationId())
                .clientToken(job.id())
                .name(runName(job.id()))
                .executionRoleArn(config.executionRoleArn())
                .jobDriver(d -> d.sparkSubmit(s -> s.entryPoint(config.runnerJarUri())
                        .entryPointArguments(RunnerArgs.of(job, config.jobStore(), config.tables()).toArgs())
                        .sparkSubmitParameters(config.policy().sparkSubmitParameters(RUNNER_MAIN)
                                + " --conf spark.jars=" + TableFormats.EMR_JARS + " --conf " + TableFormats.SERIALIZER
                                + eventLogParameters())))
                .executionTimeoutMinutes((long) config.policy().timeoutMinutes())
                .configurationOverrides(o -> {
                    if (config.logUri() != null) {
                        o.monitoringConfiguration(m -> m.s3MonitoringConfiguration(s3 -> s3.logUri(config.logUri())));
                    }
                })
                .tags(Map.of("soal-job-id", job.id()))
                .build();
    }

    /** {@code --conf} for each event log setting, or nothing without a directory. */
    private String eventLogParameters() {
        if (config.eventLogDir() == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        dev.soal.core.SparkEventLogs.conf(config.eventLogDir()).forEach((k, v) -> b.append(" --conf ").append(k).append('=').append(v));
        return b.toString();
    }

    @Override
    public SubmitOutcome submit(JobRecord job) {
        StartJobRunRequest request = startRequest(job);
        try {
            String runId = resilience.call(NAME, () -> emr.startJobRun(request)).jobRunId();
            return new SubmitOutcome.Accepted(runId, "SUBMITTED");
        } catch (CallNotPermittedException e) {
            return new SubmitOutcome.Unavailable("emr-serverless circuit breaker is open");
        } catch (RuntimeException e) {
            return switch (AwsErrors.kind(e)) {
                case CLIENT -> new SubmitOutcome.Rejected(AwsErrors.code(e) + ": " + AwsErrors.message(e));
                // even when the last attempt was throttled, an earlier one may have started the run
                case THROTTLED, AMBIGUOUS -> SubmitFailures.afterFailure(NAME, job, e, () -> findRun(job));
            };
        }
    }

    @Override
    public Optional<String> findRun(JobRecord job) {
        String name = runName(job.id());
        return resilience.call(NAME, () -> {
            for (var page : emr.listJobRunsPaginator(r -> r.applicationId(config.applicationId())
                    .createdAtAfter(job.createdAt().minus(Duration.ofMinutes(5))))) {
                for (JobRunSummary s : page.jobRuns()) {
                    if (name.equals(s.name())) {
                        return Optional.of(s.id());
                    }
                }
            }
            return Optional.<String>empty();
        });
    }

    /** The job id from the run's {@code soal-job-id} tag, or its name {@code soal-<jobId>}. */
    @Override
    public Optional<String> jobIdOf(String handle) {
        JobRun run = resilience.call(NAME, () -> emr.getJobRun(r -> r.applicationId(config.applicationId()).jobRunId(handle))).jobRun();
        if (run.hasTags() && run.tags().containsKey("soal-job-id")) {
            return Optional.of(run.tags().get("soal-job-id"));
        }
        return run.name() != null && run.name().startsWith("soal-") ? Optional.of(run.name().substring(5)) : Optional.empty();
    }

    @Override
    public BackendStatus status(JobRecord job) {
        JobRun run = resilience.call(NAME, () -> emr.getJobRun(r -> r.applicationId(config.applicationId())
                .jobRunId(job.backendHandle()))).jobRun();
        JobRunState nativeState = run.state();
        JobState state = STATES.get(nativeState);
        String message = run.stateDetails();
        if (state == null) {
            return new BackendStatus(job.state(), run.stateAsString(), "state unknown to this SoAL version");
        }
        if (nativeState == JobRunState.CANCELLED && job.state() != JobState.CANCELLING && timedOut(run)) {
            state = JobState.TIMED_OUT;
            message = "ran past executionTimeoutMinutes " + timeoutMinutes(run)
                    + (message == null || message.isBlank() ? "" : ": " + message);
        }
        return new BackendStatus(state, run.stateAsString(), message, state.isTerminal() ? cost(run) : null);
    }

    /** The run's own limit (it may have been started with another policy), else the policy's. */
    private long timeoutMinutes(JobRun run) {
        Long own = run.executionTimeoutMinutes();
        return own != null && own > 0 ? own : config.policy().timeoutMinutes();
    }

    private boolean timedOut(JobRun run) {
        String details = run.stateDetails() == null ? "" : run.stateDetails().toLowerCase(java.util.Locale.ROOT);
        Integer seconds = run.totalExecutionDurationSeconds();
        long limit = timeoutMinutes(run) * 60;
        return details.contains("timeout") || details.contains("timed out") || (seconds != null && seconds >= limit);
    }

    static Cost cost(JobRun run) {
        ResourceUtilization u = run.billedResourceUtilization();
        if (u == null) {
            return null;
        }
        return Prices.emrServerless(orZero(u.vcpuHour()), orZero(u.memoryGBHour()), orZero(u.storageGBHour()));
    }

    private static double orZero(Double d) {
        return d == null ? 0 : d;
    }

    @Override
    public void cancel(JobRecord job) {
        resilience.call(NAME, () -> emr.cancelJobRun(r -> r.applicationId(config.applicationId()).jobRunId(job.backendHandle())));
    }

    private static Map<JobRunState, JobState> states() {
        Map<JobRunState, JobState> m = new EnumMap<>(JobRunState.class);
        m.put(JobRunState.SUBMITTED, JobState.QUEUED);
        m.put(JobRunState.PENDING, JobState.QUEUED);
        m.put(JobRunState.SCHEDULED, JobState.QUEUED);
        m.put(JobRunState.QUEUED, JobState.QUEUED);
        m.put(JobRunState.RUNNING, JobState.RUNNING);
        m.put(JobRunState.SUCCESS, JobState.SUCCEEDED);
        m.put(JobRunState.FAILED, JobState.FAILED);
        m.put(JobRunState.CANCELLING, JobState.CANCELLING);
        m.put(JobRunState.CANCELLED, JobState.CANCELLED);
        return Map.copyOf(m);
    }

    private static void require(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("EMR Serverless " + name + " must be set");
        }
    }
}
