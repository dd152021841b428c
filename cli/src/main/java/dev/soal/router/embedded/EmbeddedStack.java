package dev.soal.router.embedded;

import dev.soal.adapters.aws.AwsClients;
import dev.soal.embedded.s3.EmbeddedS3;
import dev.soal.adapters.aws.Resilience;
import dev.soal.adapters.lambda.LambdaBackend;
import dev.soal.adapters.local.RuntimeArtifacts;
import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.s3.S3JobStore;
import dev.soal.adapters.s3.S3Settings;
import dev.soal.adapters.standalone.StandaloneBackend;
import dev.soal.adapters.standalone.StandaloneCluster;
import dev.soal.core.TableSettings;
import dev.soal.core.Backend;
import dev.soal.core.JobBackend;
import dev.soal.core.S3Uri;
import dev.soal.policies.Policies;
import dev.soal.policies.RoutingPolicy;
import dev.soal.router.InputMeasurer;
import dev.soal.router.JobService;
import dev.soal.router.status.StatusEvents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * SoAL with no AWS account: the embedded S3 server; the small path through the same {@link LambdaBackend}
 * as in AWS, against a {@link LocalLambdaService} whose environments run the real handler under Lambda's
 * runtime interface client (one function per memory tier of the policies, {@code soal-runtime-<MB>});
 * the large path on a Spark standalone cluster on loopback (started on first use). Everything lives under
 * {@code home} ({@code .soal/} by default): {@code s3/} holds the buckets, {@code work/} the logs.
 */
public final class EmbeddedStack implements AutoCloseable {
    public static final String SCRIPTS = "soal-scripts";
    public static final String DATA = "soal-data";
    public static final String OUTPUT = "soal-output";
    public static final String JOBS = "soal-jobs";
    /** Where local inputs go: {@code s3://soal-data/inputs/<file or folder name>}. */
    public static final String INPUTS = "inputs/";
    public static final Duration CLUSTER_START_TIMEOUT = Duration.ofSeconds(90);
    public static final Duration CLUSTER_JOB_TIMEOUT = Duration.ofHours(2);
    /** The runtime functions, one per memory tier, as the AWS stack names them. */
    public static final String RUNTIME_FUNCTION = "soal-runtime-{memoryMb}";

    private final EmbeddedS3 s3Server;
    private final S3Settings s3Settings;
    private final S3Client s3;
    private final InputMeasurer measurer;
    private final JobService jobs;
    private final Path workDir;
    private final LocalLambdaService lambdaService;
    /** The local Lambda service of the stack this one joined; null when it has its own or simulates runs. */
    private java.net.URI joinedLambda;
    /** The policies' streams polled here (soal serve); null when there are none or this stack does not serve. */
    private LocalStreams streams;
    private final LambdaClient lambdaClient;
    private StandaloneCluster cluster;
    private final CatalogServer catalogServer;
    private final TableSettings tables;
    private HostedServices published;

    /**
     * How a stack starts.
     *
     * @param s3Endpoint     null to start the embedded S3 server; else the endpoint of one another stack
     *                       started (with the same keys), whose buckets and job store this stack shares, and,
     *                       unless runs are simulated, its local Lambda service and catalog ({@link HostedServices})
     * @param simulatedRuns  null to run jobs with Spark; else {@link SimulatedRuntime}s that take this long
     * @param lambda         the local Lambda service's settings (concurrency, idle timeout, INIT budget); a stack
     *                       that joins another uses that one's service, and of these only the region
     * @param hosts          other stacks may join this one ({@code soal serve}): when it starts the S3 server it
     *                       publishes its services for them; a {@code soal run} does not, so it never takes the
     *                       place of a server's
     */
    public record Options(java.net.URI s3Endpoint, Duration simulatedRuns, LocalLambdaService.Settings lambda, boolean hosts) {
        public Options(java.net.URI s3Endpoint, Duration simulatedRuns) {
            this(s3Endpoint, simulatedRuns, LocalLambdaService.Settings.defaults(), false);
        }

        public static Options defaults() {
            return new Options(null, null);
        }

        /** What {@code soal serve} starts: a stack others may join, or one that joins {@code s3Endpoint}. */
        public static Options serving(java.net.URI s3Endpoint, Duration simulatedRuns) {
            return new Options(s3Endpoint, simulatedRuns, LocalLambdaService.Settings.defaults(), true);
        }
    }

    private EmbeddedStack(Path home, RuntimeArtifacts artifacts, Policies policies, Consumer<String> output, Options options) {
        this.workDir = home.resolve("work");
        this.s3Server = options.s3Endpoint() == null ? EmbeddedS3.start(home.resolve("s3")) : null;
        this.s3Settings = s3Server != null ? s3Server.settings()
                : new S3Settings(S3Settings.DEFAULT_REGION, options.s3Endpoint(), EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY);
        this.s3 = S3Clients.create(s3Settings);
        for (String bucket : List.of(SCRIPTS, DATA, OUTPUT, JOBS)) {
            createBucket(bucket);
        }
        ensureEventLogDirectory(s3);
        String store = "s3://" + JOBS + "/";
        S3JobStore jobStore = new S3JobStore(s3, S3Uri.parse(store));
        // the runtime functions' timeout, the same the stack gives them in AWS
        Duration runtimeTimeout = Duration.ofSeconds(policies.lambda().timeoutSeconds());
        List<String> functions = policies.lambda().memory().stream()
                .map(tier -> RUNTIME_FUNCTION.replace("{memoryMb}", String.valueOf(tier.memoryMb()))).toList();
        // a stack that joins another's S3 shares its local Lambda service and its catalog (see HostedServices)
        HostedServices joined = null;
        if (s3Server == null && options.simulatedRuns() == null) {
            try {
                joined = HostedServices.join(s3, options.s3Endpoint(), functions);
                requireSameWarehouse(joined, policies);
            } catch (RuntimeException e) {
                s3.close();
                throw e;
            }
        }
        // the soal Iceberg catalog: a JDBC catalog on an H2 server in the stack's home, whose commits are atomic
        // across the runtimes' processes
        this.catalogServer = s3Server == null || options.simulatedRuns() != null ? null : CatalogServer.start(home.resolve("catalog"));
        this.tables = catalogServer != null ? new TableSettings(catalogServer.jdbcUrl(), warehouse(policies))
                : joined != null ? joined.tables() : TableSettings.none();
        if (policies.tables() != null) {
            createBucket(policies.tables().bucket());
        }
        Map<Backend, JobBackend> backends = new EnumMap<>(Backend.class);
        JobService[] service = new JobService[1];
        if (options.simulatedRuns() != null) {
            if (s3Server != null && options.hosts()) {
                HostedServices.withdraw(s3); // what an earlier host in this home published is gone with it
            }
            this.lambdaService = null;
            this.lambdaClient = null;
            for (Backend b : List.of(Backend.LAMBDA, Backend.STANDALONE)) {
                backends.put(b, new SimulatedRuntime(b, jobStore, s3, JOBS, options.simulatedRuns(), Clock.systemUTC()));
            }
        } else {
            java.net.URI lambdaEndpoint;
            if (joined != null) {
                this.lambdaService = null;
                lambdaEndpoint = joined.lambdaEndpoint();
                joinedLambda = lambdaEndpoint;
            } else {
                // a failed invocation's destination record reaches the status handler as SQS would deliver it
                this.lambdaService = LocalLambdaService.start(lambdaRuntime(artifacts, s3Settings, store, tables,
                                policies.streams().stream().map(dev.soal.policies.StreamPolicy::binding).toList()), options.lambda(),
                        workDir.resolve("lambda"), LambdaSandbox.detect(), output,
                        record -> new StatusEvents(service[0]).handle(LocalLambdaService.asSqsEvent(record, options.lambda().region())));
                List<Policies.MemoryTier> tiers = policies.lambda().memory();
                for (int i = 0; i < tiers.size(); i++) {
                    lambdaService.register(new LocalLambdaService.Function(functions.get(i), tiers.get(i).memoryMb(),
                            runtimeTimeout, RuntimeArtifacts.LAMBDA_HANDLER));
                }
                lambdaEndpoint = lambdaService.endpoint();
                if (options.hosts()) {
                    // soal serve keeps the tiers' provisioned environments ready, primed, as provisioned concurrency does
                    ProvisionedEnvironments.start(lambdaService, ProvisionedEnvironments.of(tiers, functions, runtimeTimeout), output);
                    // soal serve polls the policies' streams, as Lambda's event source mappings do
                    this.streams = LocalStreams.start(policies, artifacts.kafkaHome(), artifacts.kinesisHome(), home, lambdaService, s3, output);
                    published = new HostedServices(lambdaEndpoint, functions, tables.catalog(), tables.warehouse());
                    published.publish(s3);
                }
            }
            this.lambdaClient = new AwsClients(Region.of(options.lambda().region()), lambdaEndpoint,
                    StaticCredentialsProvider.create(AwsBasicCredentials.create(EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY)),
                    AwsClients.DEFAULT_ATTEMPT_TIMEOUT).lambda();
            backends.put(Backend.LAMBDA, new LambdaBackend(lambdaClient, new LambdaBackend.Config(RUNTIME_FUNCTION,
                    runtimeTimeout, Duration.ofSeconds(60)), new Resilience(Resilience.Settings.ofDefaults(),
                    new SimpleMeterRegistry()), Clock.systemUTC()));
            backends.put(Backend.STANDALONE, new StandaloneBackend(() -> cluster(artifacts), s3Settings, tables, store,
                    workDir, Clock.systemUTC(), output, CLUSTER_JOB_TIMEOUT,
                    dev.soal.core.SparkEventLogs.s3a(dev.soal.core.SparkEventLogs.in(OUTPUT))));
        }
        this.measurer = new InputMeasurer(s3, InputMeasurer.DEFAULT_PARALLELISM, InputMeasurer.DEFAULT_BUDGET);
        this.jobs = new JobService(jobStore, measurer,
                new RoutingPolicy(policies, Set.of(Backend.LAMBDA, Backend.STANDALONE), this::lambdaWarm), backends,
                S3Uri.parse("s3://" + OUTPUT + "/jobs/"), Clock.systemUTC());
        service[0] = jobs;
    }

    /** What every runtime environment runs: the image's classpath and options, and the stack's settings. */
    public static LocalLambdaService.Runtime lambdaRuntime(RuntimeArtifacts artifacts, S3Settings s3, String store) {
        return lambdaRuntime(artifacts, s3, store, TableSettings.none());
    }

    /** The same, with the {@code soal} Iceberg catalog. */
    public static LocalLambdaService.Runtime lambdaRuntime(RuntimeArtifacts artifacts, S3Settings s3, String store, TableSettings tables) {
        return lambdaRuntime(artifacts, s3, store, tables, List.of());
    }

    /** The same, with the streams whose batches the runtime functions run (every tier's: one runtime serves them all here). */
    public static LocalLambdaService.Runtime lambdaRuntime(RuntimeArtifacts artifacts, S3Settings s3, String store, TableSettings tables,
                                                           List<dev.soal.core.StreamBinding> streams) {
        List<String> options = new java.util.ArrayList<>(RuntimeArtifacts.SPARK_JAVA_OPTIONS);
        options.addAll(RuntimeArtifacts.LAMBDA_JAVA_OPTIONS);
        options.add("-Dlog4j2.configurationFile=" + artifacts.sparkHome().resolve("conf").resolve("log4j2.properties").toUri());
        if (java.nio.file.Files.isRegularFile(artifacts.cdsArchive())) {
            options.add("-XX:SharedArchiveFile=" + artifacts.cdsArchive());
            options.add("-Xlog:cds=off");
            options.add("-Xlog:cds+dynamic=off");
        }
        Map<String, String> env = new java.util.LinkedHashMap<>(s3.toEnvironment());
        env.putAll(tables.toEnvironment());
        env.put("SOAL_JOB_STORE", store);
        env.put("SOAL_EVENT_LOG_DIR", dev.soal.core.SparkEventLogs.in(OUTPUT));
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        if (!streams.isEmpty()) {
            env.put(dev.soal.core.StreamBinding.ENV, dev.soal.core.StreamBinding.toJson(streams));
        }
        // the runtime's own switches, and JVM options as a function's JAVA_TOOL_OPTIONS would carry them in AWS
        for (String passed : List.of("SOAL_PRIME", "SOAL_STAGE_IO")) {
            if (System.getenv(passed) != null) {
                env.put(passed, System.getenv(passed));
            }
        }
        if (System.getenv("SOAL_LAMBDA_JAVA_OPTIONS") != null) {
            env.put("JAVA_TOOL_OPTIONS", System.getenv("SOAL_LAMBDA_JAVA_OPTIONS"));
        }
        return new LocalLambdaService.Runtime(artifacts.lambdaClasspath(), options, env, artifacts::requireBuilt,
                List.of(artifacts.runnerJar().toAbsolutePath().getParent()));
    }

    /** Whether an environment of the runtime function for {@code memoryMb} is idle in this stack's local Lambda service, or the one it joined. */
    private boolean lambdaWarm(int memoryMb) {
        String function = RUNTIME_FUNCTION.replace("{memoryMb}", String.valueOf(memoryMb));
        if (joinedLambda != null) {
            return LocalEnvironments.idle(joinedLambda, function);
        }
        return lambdaService != null && lambdaService.environments().stream()
                .anyMatch(e -> e.function().equals(function) && e.state().equals("IDLE"));
    }

    /** The local Lambda service, when this stack runs jobs with Spark and hosts its S3 server. */
    public java.util.Optional<LocalLambdaService> lambdaService() {
        return java.util.Optional.ofNullable(lambdaService);
    }

    public static EmbeddedStack start(Path home, RuntimeArtifacts artifacts, Policies policies, Consumer<String> output) {
        return start(home, artifacts, policies, output, Options.defaults());
    }

    public static EmbeddedStack start(Path home, RuntimeArtifacts artifacts, Policies policies, Consumer<String> output,
                                      Options options) {
        return new EmbeddedStack(home, artifacts, policies, output, options);
    }

    private synchronized StandaloneCluster cluster(RuntimeArtifacts artifacts) {
        if (cluster == null) {
            int cores = Math.max(1, Runtime.getRuntime().availableProcessors());
            cluster = StandaloneCluster.start(artifacts, workDir.resolve("cluster"), cores, 2048, CLUSTER_START_TIMEOUT);
        }
        return cluster;
    }

    /** The policies' warehouse, else {@code s3://soal-data/warehouse/}. */
    static String warehouse(Policies policies) {
        return policies.tables() != null ? policies.tables().warehouse() : "s3://" + DATA + "/warehouse/";
    }

    /**
     * Every path's Spark event logs, {@code s3://soal-output/soal-logs/spark-events/}: a session refuses to start, and
     * the History Server too, where that directory does not exist, which on S3 means no object under it yet.
     */
    public static void ensureEventLogDirectory(software.amazon.awssdk.services.s3.S3Client s3) {
        String key = dev.soal.core.SparkEventLogs.PREFIX;
        if (s3.listObjectsV2(r -> r.bucket(OUTPUT).prefix(key).maxKeys(1)).keyCount() == 0) {
            s3.putObject(r -> r.bucket(OUTPUT).key(dev.soal.core.SparkEventLogs.MARKER), software.amazon.awssdk.core.sync.RequestBody.empty());
        }
    }

    private void createBucket(String bucket) {
        try {
            s3.createBucket(r -> r.bucket(bucket));
        } catch (BucketAlreadyOwnedByYouException e) {
            // there from an earlier run
        } catch (S3Exception e) {
            if (e.statusCode() != 409) {
                throw e;
            }
        }
    }

    /** Uploads a local file through the S3 API and returns its {@code s3://} URI. */
    public String upload(Path file, String bucket, String key) {
        s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromFile(file));
        return "s3://" + bucket + "/" + key;
    }

    public S3Client s3() {
        return s3;
    }

    public JobService jobs() {
        return jobs;
    }

    /** Where this stack's runs leave their logs ({@link EmbeddedLogs}). */
    public dev.soal.router.logs.JobLogs logs() {
        return EmbeddedLogs.of(workDir);
    }

    public Path workDir() {
        return workDir;
    }

    /** The S3 server this stack started; empty when it joined another stack's ({@link Options#s3Endpoint()}). */
    public java.util.Optional<EmbeddedS3> s3Server() {
        return java.util.Optional.ofNullable(s3Server);
    }

    private static void requireSameWarehouse(HostedServices joined, Policies policies) {
        if (joined.catalog() != null && policies.tables() != null
                && !TableSettings.warehouse(policies.tables().warehouse()).equals(joined.warehouse())) {
            throw new IllegalStateException("this server's policies keep tables under " + policies.tables().warehouse()
                    + ", but the stack it joins keeps the soal catalog's tables under " + joined.warehouse()
                    + ": give both servers the same tables.warehouse");
        }
    }

    /** The {@code soal} catalog every runtime of this stack gets: its own, the one of the stack it joined, or none. */
    public TableSettings tables() {
        return tables;
    }

    /** Where this stack's S3 is, and its keys. */
    public S3Settings s3Settings() {
        return s3Settings;
    }

    @Override
    public synchronized void close() {
        if (streams != null) {
            streams.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (lambdaClient != null) {
            lambdaClient.close();
        }
        if (published != null) {
            try {
                published.withdrawIfCurrent(s3);
            } catch (RuntimeException e) {
                // the S3 server is gone already: nothing left to join
            }
        }
        if (lambdaService != null) {
            lambdaService.close();
        }
        measurer.close();
        if (catalogServer != null) {
            catalogServer.close();
        }
        s3.close();
        if (s3Server != null) {
            s3Server.close();
        }
    }
}
