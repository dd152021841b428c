package dev.soal.router.aws;

import dev.soal.adapters.aws.AwsClients;
import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.s3.S3Settings;
import dev.soal.policies.Policies;
import dev.soal.router.JobService;
import dev.soal.router.SoalMetrics;
import dev.soal.router.triggers.S3TriggerHandler;

import java.time.Clock;

/** The router's parts in a Lambda container, built once per container from the environment. */
public record AwsRuntime(JobService jobs, Policies policies) {
    private static AwsRuntime instance;

    public static synchronized AwsRuntime fromEnvironment() {
        if (instance == null) {
            AwsRouterConfig config = AwsRouterConfig.fromEnvironment(System.getenv());
            var s3 = S3Clients.create(S3Settings.fromEnvironment(System.getenv()));
            Policies policies = AwsRouter.policies(config);
            JobService jobs = AwsRouter.create(config, policies, AwsClients.forRegion(config.region()), s3,
                    SoalMetrics.registry(config), Clock.systemUTC());
            instance = new AwsRuntime(jobs, policies);
        }
        return instance;
    }

    public S3TriggerHandler s3Trigger() {
        return new S3TriggerHandler(jobs, policies);
    }
}
