package dev.soal.router.aws;

import dev.soal.adapters.aws.AwsClients;
import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.s3.S3Settings;
import dev.soal.policies.Policies;
import dev.soal.router.JobService;
import dev.soal.router.SoalMetrics;
import dev.soal.router.logs.JobLogs;
import dev.soal.router.status.StatusEvents;
import dev.soal.router.triggers.S3TriggerHandler;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Clock;

/** The router's parts in a Lambda container, built once per container from the environment. */
public record AwsRuntime(JobService jobs, JobLogs logs, Policies policies, MeterRegistry meters, SoalMetrics.EmfFlusher emf) {
    private static AwsRuntime instance;

    public static synchronized AwsRuntime fromEnvironment() {
        if (instance == null) {
            AwsRouterConfig config = AwsRouterConfig.fromEnvironment(System.getenv());
            var s3 = S3Clients.create(S3Settings.fromEnvironment(System.getenv()));
            Policies policies = AwsRouter.policies(config);
            MeterRegistry meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
            AwsClients clients = AwsClients.forRegion(config.region());
            JobService jobs = AwsRouter.create(config, policies, clients, s3, meters, Clock.systemUTC());
            if (config.metrics().equals("emf")) {
                // each ended job as one EMF line, when the write that counts it is this function's
                jobs.countOutcomesWith(dev.soal.core.JobOutcomes.emf(config.metricsNamespace(), System.out));
            }
            instance = new AwsRuntime(jobs, AwsRouter.logs(config, policies, clients, s3), policies, meters,
                    config.metrics().equals("emf") ? new SoalMetrics.EmfFlusher(config.metricsNamespace()) : null);
        }
        return instance;
    }

    /**
     * Before each invocation: the router learns its execution environment from Lambda's context (see
     * {@link JobService#identify}); the environment variables cannot tell, SnapStart restores them as they were.
     */
    static synchronized void identify(com.amazonaws.services.lambda.runtime.Context context) {
        if (instance != null && context != null) {
            instance.jobs().identify(context.getLogStreamName());
        }
    }

    public S3TriggerHandler s3Trigger() {
        return new S3TriggerHandler(jobs, policies);
    }

    public StatusEvents statusEvents() {
        return new StatusEvents(jobs);
    }

    /** At the end of every invocation: what it counted leaves as EMF log lines before Lambda freezes the container. */
    public void flushMetrics() {
        if (emf != null) {
            emf.flush(meters, System.out);
        }
    }
}
