package dev.soal.router.aws;

import dev.soal.adapters.aws.AwsClients;
import dev.soal.adapters.aws.CloudWatchLogsReader;
import dev.soal.adapters.aws.Resilience;
import dev.soal.adapters.emr.EmrServerlessBackend;
import dev.soal.adapters.glue.GlueBackend;
import dev.soal.adapters.lambda.LambdaBackend;
import dev.soal.adapters.s3.S3JobStore;
import dev.soal.core.Backend;
import dev.soal.core.JobBackend;
import dev.soal.core.S3Uri;
import dev.soal.core.TableSettings;
import dev.soal.policies.Policies;
import dev.soal.policies.PolicyLoader;
import dev.soal.policies.RoutingPolicy;
import dev.soal.router.InputMeasurer;
import dev.soal.router.JobService;
import dev.soal.router.logs.EmrServerlessLogs;
import dev.soal.router.logs.GlueLogs;
import dev.soal.router.logs.JobLogs;
import dev.soal.router.logs.LambdaLogs;
import io.micrometer.core.instrument.MeterRegistry;
import software.amazon.awssdk.services.s3.S3Client;

import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * The router wired for real AWS from an {@link AwsRouterConfig}: the S3 job store, the configured
 * backends (each behind its own retry and circuit breaker), the policies and the metrics.
 *
 * <pre>{@code
 * AwsRouterConfig config = AwsRouterConfig.fromEnvironment(System.getenv());
 * MeterRegistry meters = new SimpleMeterRegistry();
 * JobService jobs = AwsRouter.create(config, AwsClients.forRegion(config.region()), s3, meters, Clock.systemUTC());
 * }</pre>
 */
public final class AwsRouter {
    static final String RUNTIME_MAIN = "dev.soal.runtime.RunnerMain";

    private AwsRouter() {
    }

    public static JobService create(AwsRouterConfig config, AwsClients clients, S3Client s3, MeterRegistry meters, Clock clock) {
        return create(config, policies(config), clients, s3, meters, clock);
    }

    /** The policies the config names, or the built-in ones. */
    public static Policies policies(AwsRouterConfig config) {
        return config.policy() == null ? PolicyLoader.defaults() : PolicyLoader.load(config.policy());
    }

    /**
     * The runtime functions as the stack made them: their timeout (the policies' {@code lambda.timeoutSeconds}) and
     * maximum event age make the lease.
     */
    static LambdaBackend.Config lambdaConfig(AwsRouterConfig config, Policies policies) {
        return new LambdaBackend.Config(config.runtimeFunction(), Duration.ofSeconds(policies.lambda().timeoutSeconds()),
                Duration.ofSeconds(60), Duration.ofSeconds(config.runtimeMaxEventAgeSeconds()), config.runtimeAlias());
    }

    public static JobService create(AwsRouterConfig config, Policies policies, AwsClients clients, S3Client s3,
                                    MeterRegistry meters, Clock clock) {
        Resilience resilience = new Resilience(Resilience.Settings.ofDefaults(), meters);
        String store = config.jobStore().toString();
        Map<Backend, JobBackend> backends = new EnumMap<>(Backend.class);
        // the Glue Data Catalog, warehouse from the policies: the runtime functions get the same from the stack
        TableSettings tables = policies.catalogInAws();
        if (config.runtimeFunction() != null) {
            backends.put(Backend.LAMBDA, new LambdaBackend(clients.lambda(), lambdaConfig(config, policies), resilience, clock));
        }
        if (config.emrApplicationId() != null) {
            backends.put(Backend.EMR_SERVERLESS, new EmrServerlessBackend(clients.emrServerless(),
                    new EmrServerlessBackend.Config(config.emrApplicationId(), config.emrExecutionRoleArn(),
                            config.runnerJarUri(), config.emrLogUri(), store, policies.emrServerless(), tables, config.eventLogDir()), resilience));
        }
        if (config.glueJobName() != null) {
            backends.put(Backend.GLUE, new GlueBackend(clients.glue(),
                    new GlueBackend.Config(config.glueJobName(), store, policies.glue(), tables), resilience));
        }
        return new JobService(new S3JobStore(s3, config.jobStore()),
                new InputMeasurer(s3, InputMeasurer.DEFAULT_PARALLELISM, InputMeasurer.DEFAULT_BUDGET),
                new RoutingPolicy(policies, backends.keySet()), backends, config.outputBase(), clock, meters);
    }

    /**
     * Where the configured backends' runs leave their logs, read for {@code GET /jobs/{id}/logs}: Lambda's and Glue's
     * in CloudWatch Logs, EMR Serverless's under its S3 log URI (without one the service keeps them to itself).
     */
    public static JobLogs logs(AwsRouterConfig config, Policies policies, AwsClients clients, S3Client s3) {
        Map<Backend, JobLogs.Source> sources = new EnumMap<>(Backend.class);
        CloudWatchLogsReader cloudWatch = new CloudWatchLogsReader(clients);
        if (config.runtimeFunction() != null) {
            sources.put(Backend.LAMBDA, new LambdaLogs(cloudWatch, lambdaConfig(config, policies)::functionFor));
        }
        if (config.emrApplicationId() != null && config.emrLogUri() != null) {
            sources.put(Backend.EMR_SERVERLESS, new EmrServerlessLogs(s3, S3Uri.parse(config.emrLogUri()), config.emrApplicationId()));
        }
        if (config.glueJobName() != null) {
            sources.put(Backend.GLUE, new GlueLogs(cloudWatch));
        }
        return new JobLogs(sources);
    }
}
