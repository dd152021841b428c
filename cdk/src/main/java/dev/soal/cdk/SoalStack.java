package dev.soal.cdk;

import dev.soal.policies.Policies;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Size;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.apigateway.AuthorizationType;
import software.amazon.awscdk.services.apigateway.EndpointType;
import software.amazon.awscdk.services.apigateway.LambdaIntegration;
import software.amazon.awscdk.services.apigateway.MethodLoggingLevel;
import software.amazon.awscdk.services.apigateway.MethodOptions;
import software.amazon.awscdk.services.apigateway.Model;
import software.amazon.awscdk.services.apigateway.ModelOptions;
import software.amazon.awscdk.services.apigateway.RequestValidator;
import software.amazon.awscdk.services.apigateway.RequestValidatorOptions;
import software.amazon.awscdk.services.apigateway.Resource;
import software.amazon.awscdk.services.apigateway.RestApi;
import software.amazon.awscdk.services.apigateway.StageOptions;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.IWidget;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.emrserverless.CfnApplication;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.glue.CfnJob;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.DockerImageCode;
import software.amazon.awscdk.services.lambda.DockerImageFunction;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.LayerVersion;
import software.amazon.awscdk.services.lambda.Permission;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.destinations.SqsDestination;
import software.amazon.awscdk.services.lambda.eventsources.SqsEventSource;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.CfnBucket;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.assets.Asset;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SoAL in one AWS stack, from the policies and the artifacts the build makes:
 * <ul>
 *   <li>the buckets the policies' allowlists name, and the job store's: encrypted, public access blocked,
 *   TLS only; job records expire after {@code jobRetentionDays};</li>
 *   <li>the Spark runtime: one container function per memory tier, from {@code lambda-runtime/Dockerfile},
 *   900 s, {@code /tmp} sized from {@code maxInputBytes}, async retries 0 with an SQS on-failure destination
 *   that the runtime-failures function reads;</li>
 *   <li>the router's five functions (API, S3 trigger, status events, runtime failures, reconciler) from its package on
 *   Java 21 with SnapStart, each called through its {@code live} alias;</li>
 *   <li>the REST API {@code /jobs}, every method with IAM authorization, POST validated against the
 *   {@code SubmitBody} model of {@code openapi.yaml};</li>
 *   <li>an ObjectCreated notification per trigger in the policies;</li>
 *   <li>an EMR Serverless application (Spark on emr-7.x) and a Glue 5.1 Scala job for the runner jar, each
 *   with its own role;</li>
 *   <li>EventBridge rules for EMR Serverless and Glue state changes, the reconciler's schedule;</li>
 *   <li>log groups with retention, a dashboard and alarms.</li>
 * </ul>
 * IAM: no wildcard action; every statement names the stack's buckets, functions, application or job.
 */
public final class SoalStack extends Stack {
    public static final String EMR_RELEASE = "emr-7.12.0";
    public static final String GLUE_VERSION = "5.1";
    public static final String METRICS_NAMESPACE = "SoAL";
    /** The runtime functions' maximum event age; the router's start lease of a Lambda submit follows it. */
    static final int RUNTIME_MAX_EVENT_AGE_SECONDS = 900;
    static final RetentionDays LOG_RETENTION = RetentionDays.ONE_MONTH;
    static final List<String> BACKENDS = List.of("lambda", "emr-serverless", "glue");

    private final SoalStackConfig config;
    private final Map<String, Bucket> buckets = new LinkedHashMap<>();
    private final List<Function> runtimeFunctions = new ArrayList<>();
    private final List<software.amazon.awscdk.services.lambda.Alias> runtimeAliases = new ArrayList<>();
    /** Each bucket's Lambda notifications so far: a bucket with several triggers gets them all. */
    private final Map<String, List<Object>> notifications = new LinkedHashMap<>();

    public SoalStack(Construct scope, String id, StackProps props, SoalStackConfig config) {
        super(scope, id, props);
        this.config = config;
        Policies policies = config.policies();

        for (String name : config.buckets()) {
            buckets.put(name, bucket(name));
        }

        eventLogPrefix();

        Asset runnerJar = Asset.Builder.create(this, "RunnerJar").path(config.runnerJar().toString()).build();
        Asset glueScript = Asset.Builder.create(this, "GlueEntryScript").path(glueEntryScript().toString()).build();

        // the runtime's failed async invocations (after 0 retries) land here; the runtime-failures function ends their jobs
        Queue failures = Queue.Builder.create(this, "RuntimeFailures")
                .encryption(QueueEncryption.SQS_MANAGED).enforceSsl(true)
                .retentionPeriod(Duration.days(14)).visibilityTimeout(Duration.minutes(2)).build();

        Role runtimeRole = Role.Builder.create(this, "RuntimeRole")
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description("SoAL Spark runtime functions: the allowlisted buckets and the job store").build();
        for (Policies.MemoryTier tier : policies.lambda().memory()) {
            allowLogs(runtimeRole, "/aws/lambda/" + config.runtimeFunctionName(tier.memoryMb()));
        }
        allowJobData(runtimeRole);
        allowTables(runtimeRole);
        for (Policies.MemoryTier tier : policies.lambda().memory()) {
            Function runtime = runtimeFunction(tier.memoryMb(), runtimeRole, failures);
            runtimeFunctions.add(runtime);
            software.amazon.awscdk.services.lambda.Alias live = RuntimeAlias.of(this, runtime, tier, failures, RUNTIME_MAX_EVENT_AGE_SECONDS);
            runtimeAliases.add(live);
            for (dev.soal.policies.StreamPolicy stream : policies.streams()) {
                if (stream.binding().memoryMb() == tier.memoryMb()) {
                    // the alias, as the router's jobs: a tier's provisioned environments run its stream batches too
                    StreamMappings.add(this, stream, live, runtimeRole);
                }
            }
        }

        Role emrRole = Role.Builder.create(this, "EmrServerlessJobRole")
                .assumedBy(new ServicePrincipal("emr-serverless.amazonaws.com"))
                .description("SoAL runs on EMR Serverless: the runner jar, the allowlisted buckets and the job store").build();
        allowJobData(emrRole);
        allowTables(emrRole);
        allowRead(emrRole, runnerJar);
        CfnApplication emr = emrApplication(policies.emrServerless());

        Role glueRole = Role.Builder.create(this, "GlueJobRole")
                .assumedBy(new ServicePrincipal("glue.amazonaws.com"))
                .description("SoAL runs on Glue: the runner jar, its script, the allowlisted buckets and the job store").build();
        allowJobData(glueRole);
        allowTables(glueRole);
        allowRead(glueRole, runnerJar);
        allowRead(glueRole, glueScript);
        glueRole.addToPolicy(PolicyStatement.Builder.create()
                .actions(List.of("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"))
                .resources(List.of(arn("logs", "log-group:/aws-glue/*"), arn("logs", "log-group:/aws-glue/*:log-stream:*"))).build());
        CfnJob glue = glueJob(policies.glue(), glueRole, runnerJar, glueScript);

        LayerVersion policyLayer = LayerVersion.Builder.create(this, "Policies")
                .description("the policies YAML, at /opt/soal/policies.yaml")
                .code(Code.fromAsset(policyLayerDirectory().toString()))
                .compatibleRuntimes(List.of(Runtime.JAVA_21)).build();

        Map<String, String> env = new LinkedHashMap<>();
        env.put("SOAL_JOB_STORE", "s3://" + config.jobsBucket() + "/");
        env.put("SOAL_OUTPUT_BASE", "s3://" + policies.allowlists().outputBuckets().get(0) + "/jobs/");
        env.put("SOAL_POLICY", "/opt/soal/policies.yaml");
        env.put("SOAL_RUNTIME_FUNCTION", config.runtimeFunctionPattern());
        env.put("SOAL_RUNTIME_ALIAS", RuntimeAlias.NAME);
        env.put("SOAL_RUNTIME_MAX_EVENT_AGE_SECONDS", String.valueOf(RUNTIME_MAX_EVENT_AGE_SECONDS));
        env.put("SOAL_RUNNER_JAR_URI", runnerJar.getS3ObjectUrl());
        env.put("SOAL_EMR_APPLICATION_ID", emr.getAttrApplicationId());
        env.put("SOAL_EMR_EXECUTION_ROLE_ARN", emrRole.getRoleArn());
        env.put("SOAL_EMR_LOG_URI", "s3://" + logsBucket() + "/" + EMR_LOGS);
        env.put("SOAL_EVENT_LOG_DIR", eventLogDir());
        env.put("SOAL_GLUE_JOB_NAME", glue.getRef());
        env.put("SOAL_METRICS", "emf");
        env.put("SOAL_METRICS_NAMESPACE", METRICS_NAMESPACE);
        // a router function is short-lived work: C1 is enough and starts faster
        env.put("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1");

        Alias api = routerFunction("api", "dev.soal.router.aws.ApiFunction", Duration.seconds(29), env, policyLayer, emr, emrRole, glue);
        Alias trigger = routerFunction("s3-trigger", "dev.soal.router.aws.S3TriggerFunction", Duration.minutes(1), env, policyLayer, emr, emrRole, glue);
        Alias status = routerFunction("status", "dev.soal.router.aws.StatusEventFunction", Duration.minutes(1), env, policyLayer, emr, emrRole, glue);
        Alias reconciler = routerFunction("reconciler", "dev.soal.router.aws.ReconcilerFunction", Duration.minutes(5), env, policyLayer, emr, emrRole, glue);
        Alias runtimeFailures = routerFunction("runtime-failures", "dev.soal.router.aws.RuntimeFailureFunction", Duration.minutes(1), env, policyLayer, emr, emrRole, glue);

        allowReadingLogs(api);
        String restApiUrl = restApi(api);
        for (Policies.Trigger t : policies.triggers()) {
            notification(t, trigger);
        }

        runtimeFailures.addEventSource(SqsEventSource.Builder.create(failures).batchSize(1).build());
        Rule.Builder.create(this, "EmrServerlessStateChanges")
                .description("EMR Serverless job run state changes of SoAL's application, to the status function")
                .eventPattern(EventPattern.builder().source(List.of("aws.emr-serverless"))
                        .detailType(List.of("EMR Serverless Job Run State Change"))
                        .detail(Map.of("applicationId", List.of(emr.getAttrApplicationId()))).build())
                .targets(List.of(new LambdaFunction(status))).build();
        Rule.Builder.create(this, "GlueStateChanges")
                .description("Glue job run state changes of SoAL's job, to the status function")
                .eventPattern(EventPattern.builder().source(List.of("aws.glue"))
                        .detailType(List.of("Glue Job State Change"))
                        .detail(Map.of("jobName", List.of(glue.getRef()))).build())
                .targets(List.of(new LambdaFunction(status))).build();
        Rule.Builder.create(this, "ReconcilerSchedule")
                .description("the reconciler's sweep over unfinished jobs")
                .schedule(Schedule.rate(Duration.minutes(1)))
                .targets(List.of(new LambdaFunction(reconciler))).build();

        observability(failures);

        CfnOutput.Builder.create(this, "JobsApiUrl").value(restApiUrl).description("POST {url}jobs, signed with SigV4 (execute-api)").build();
        CfnOutput.Builder.create(this, "JobStore").value("s3://" + config.jobsBucket() + "/").build();
        CfnOutput.Builder.create(this, "EmrServerlessApplicationId").value(emr.getAttrApplicationId()).build();
        CfnOutput.Builder.create(this, "GlueJobName").value(glue.getRef()).build();
        CfnOutput.Builder.create(this, SPARK_EVENT_LOGS_OUTPUT).value(eventLogDir())
                .description("every path's Spark event logs: soal history --stack reads them").build();
    }

    private Bucket bucket(String name) {
        Bucket.Builder b = Bucket.Builder.create(this, "Bucket-" + name)
                .bucketName(name)
                .encryption(BucketEncryption.S3_MANAGED)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .enforceSsl(true)
                .removalPolicy(RemovalPolicy.RETAIN);
        if (name.equals(config.jobsBucket())) {
            b.lifecycleRules(List.of(LifecycleRule.builder().id("expire-old-job-records")
                    .expiration(Duration.days(config.jobRetentionDays()))
                    .abortIncompleteMultipartUploadAfter(Duration.days(1)).build()));
        } else {
            b.lifecycleRules(List.of(LifecycleRule.builder().id("abort-incomplete-uploads")
                    .abortIncompleteMultipartUploadAfter(Duration.days(7)).build()));
        }
        return b.build();
    }

    private Function runtimeFunction(int memoryMb, Role role, Queue failures) {
        String name = config.runtimeFunctionName(memoryMb);
        return DockerImageFunction.Builder.create(this, "Runtime" + memoryMb)
                .functionName(name)
                .description("SoAL Spark runtime, " + memoryMb + " MB tier")
                .code(DockerImageCode.fromImageAsset(config.runtimeImageContext().toString(),
                        // the functions run on x86_64: build the image for it whatever machine deploys
                        software.amazon.awscdk.services.lambda.AssetImageCodeProps.builder().file("Dockerfile")
                                .platform(software.amazon.awscdk.services.ecr.assets.Platform.LINUX_AMD64).build()))
                .memorySize(memoryMb)
                .timeout(Duration.seconds(config.policies().lambda().timeoutSeconds()))
                .ephemeralStorageSize(Size.mebibytes(config.ephemeralStorageMb()))
                // an accepted event waits at most this long in Lambda's queue, then goes to the failure queue (which
                // ends the job); the router's start lease of a Lambda submit is the same age plus a grace
                .maxEventAge(Duration.seconds(RUNTIME_MAX_EVENT_AGE_SECONDS))
                .retryAttempts(0)
                .onFailure(new SqsDestination(failures))
                .role(role)
                .logGroup(logGroup("RuntimeLogs" + memoryMb, name))
                .environment(runtimeEnvironment(memoryMb))
                .build();
    }

    /**
     * The job store, the soal catalog (the same the router passes to EMR Serverless and Glue runs), and the streams
     * whose batches the tier runs. Lambda holds at most 4 KB of environment per function: more streams than fit on one
     * tier are refused here, at synth, rather than by CloudFormation at deploy.
     */
    private Map<String, String> runtimeEnvironment(int memoryMb) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SOAL_JOB_STORE", "s3://" + config.jobsBucket() + "/");
        env.put("SOAL_EVENT_LOG_DIR", eventLogDir());
        env.putAll(config.policies().catalogInAws().toEnvironment());
        List<dev.soal.core.StreamBinding> streams = config.policies().streamBindings(memoryMb);
        if (!streams.isEmpty()) {
            env.put(dev.soal.core.StreamBinding.ENV, dev.soal.core.StreamBinding.toJson(streams));
        }
        int bytes = env.entrySet().stream().mapToInt(e -> e.getKey().length() + e.getValue().length()).sum();
        if (bytes > ENVIRONMENT_LIMIT) {
            throw new IllegalArgumentException("the " + memoryMb + " MB runtime function's environment would be " + bytes
                    + " bytes, over Lambda's " + ENVIRONMENT_LIMIT + ": its streams " + streams.stream().map(dev.soal.core.StreamBinding::name).toList()
                    + " name too much; spread them over the memory tiers, or shorten their arguments");
        }
        return env;
    }

    /** Lambda's limit on a function's environment variables, keys and values together. */
    static final int ENVIRONMENT_LIMIT = 4096;

    private Alias routerFunction(String name, String handlerClass, Duration timeout, Map<String, String> env, LayerVersion policies,
                                 CfnApplication emr, Role emrRole, CfnJob glue) {
        String functionName = config.prefix() + "-" + name;
        String id = camel(name);
        // its own role, with its own log group only (no managed policy: Lambda's basic one allows every log group)
        Role role = Role.Builder.create(this, id + "Role")
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description("SoAL router function " + functionName).build();
        allowLogs(role, "/aws/lambda/" + functionName);
        Function f = Function.Builder.create(this, id + "Function")
                .role(role)
                .functionName(functionName)
                .description("SoAL router: " + name)
                .runtime(Runtime.JAVA_21)
                .code(Code.fromAsset(config.functionsPackage().toString()))
                // the class alone: the runtime client then reads the event type from RequestHandler<I, O> (with
                // "::handleRequest" it finds the generic base method and hands over a Map)
                .handler(handlerClass)
                .memorySize(1024)
                .timeout(timeout)
                .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
                .layers(List.of(policies))
                .environment(env)
                .logGroup(logGroup(id + "Logs", functionName))
                .build();
        allowRouting(f.getRole(), emr, emrRole, glue);
        return Alias.Builder.create(this, id + "Live").aliasName("live").version(f.getCurrentVersion()).build();
    }

    private LogGroup logGroup(String id, String functionName) {
        return LogGroup.Builder.create(this, id).logGroupName("/aws/lambda/" + functionName)
                .retention(LOG_RETENTION).removalPolicy(RemovalPolicy.DESTROY).build();
    }

    /**
     * Sized for the policies' {@code concurrentJobs} jobs at their largest at once, not one: it caps, it reserves nothing.
     * Pre-initialized capacity ({@code emrServerless.initialCapacity}) is the one reservation, when the policies ask.
     */
    private CfnApplication emrApplication(Policies.EmrPolicy p) {
        int vcpus = p.concurrentJobs() * p.jobVcpus();
        int gb = p.concurrentJobs() * p.jobMemoryGb();
        List<CfnApplication.InitialCapacityConfigKeyValuePairProperty> initial = new ArrayList<>();
        if (p.initialCapacity().drivers() > 0) {
            initial.add(initialCapacity("Driver", p.initialCapacity().drivers(), p.driverWorker()));
        }
        if (p.initialCapacity().executors() > 0) {
            initial.add(initialCapacity("Executor", p.initialCapacity().executors(), p.executorWorker()));
        }
        return CfnApplication.Builder.create(this, "EmrServerlessApplication")
                .initialCapacity(initial.isEmpty() ? null : initial)
                .name(config.prefix() + "-spark")
                .releaseLabel(EMR_RELEASE)
                .type("SPARK")
                .autoStartConfiguration(CfnApplication.AutoStartConfigurationProperty.builder().enabled(true).build())
                .autoStopConfiguration(CfnApplication.AutoStopConfigurationProperty.builder().enabled(true).idleTimeoutMinutes(15).build())
                .maximumCapacity(CfnApplication.MaximumAllowedResourcesProperty.builder()
                        .cpu(vcpus + " vCPU").memory(gb + " GB").build())
                .build();
    }

    private static CfnApplication.InitialCapacityConfigKeyValuePairProperty initialCapacity(String type, int count,
                                                                                          Policies.Worker w) {
        return CfnApplication.InitialCapacityConfigKeyValuePairProperty.builder().key(type)
                .value(CfnApplication.InitialCapacityConfigProperty.builder().workerCount(count)
                        .workerConfiguration(CfnApplication.WorkerConfigurationProperty.builder()
                                .cpu(w.vcpus() + " vCPU").memory(w.memoryGb() + " GB").build()).build()).build();
    }

    private CfnJob glueJob(Policies.GluePolicy p, IRole role, Asset runnerJar, Asset script) {
        Map<String, String> args = new LinkedHashMap<>();
        args.put("--job-language", "scala");
        args.put("--class", "SoalGlueEntry");
        args.put("--extra-jars", runnerJar.getS3ObjectUrl());
        args.put("--enable-continuous-cloudwatch-log", "true");
        // Spark's event log, with every other path's, for soal history
        args.put("--enable-spark-ui", "true");
        args.put("--spark-event-logs-path", eventLogDir());
        // Iceberg 1.10.0, Delta 3.3.2 and Hudi 1.0.2, the versions the runtime image carries (docs/tables.md)
        args.putAll(dev.soal.core.TableFormats.GLUE_ARGUMENTS);
        return CfnJob.Builder.create(this, "GlueJob")
                .name(config.prefix() + "-runner")
                .description("SoAL's runner on Glue: one run per job")
                .role(role.getRoleArn())
                .glueVersion(GLUE_VERSION)
                .command(CfnJob.JobCommandProperty.builder().name("glueetl").scriptLocation(script.getS3ObjectUrl()).build())
                .defaultArguments(args)
                .workerType(p.workerType())
                .numberOfWorkers(p.numberOfWorkers())
                .timeout(p.timeoutMinutes())
                .executionClass(p.executionClass())
                .executionProperty(CfnJob.ExecutionPropertyProperty.builder().maxConcurrentRuns(50).build())
                .maxRetries(0)
                .build();
    }

    /** The REST API; answers its URL. */
    private String restApi(Alias api) {
        RestApi rest = RestApi.Builder.create(this, "JobsApi")
                .restApiName(config.prefix() + "-jobs")
                .description("SoAL jobs API (openapi.yaml): IAM-signed requests only")
                .endpointTypes(List.of(EndpointType.REGIONAL))
                .deployOptions(StageOptions.builder().stageName("prod").loggingLevel(MethodLoggingLevel.OFF)
                        .throttlingRateLimit(50).throttlingBurstLimit(100).build())
                .defaultMethodOptions(MethodOptions.builder().authorizationType(AuthorizationType.IAM).build())
                .cloudWatchRole(false)
                .build();
        Model submitBody = rest.addModel("SubmitBody", ModelOptions.builder()
                .contentType("application/json").modelName("SubmitBody")
                .description("POST /jobs body, from openapi.yaml components.schemas.SubmitBody")
                .schema(OpenApiModels.schema(config.root().resolve("openapi.yaml"), "SubmitBody")).build());
        RequestValidator body = rest.addRequestValidator("BodyValidator", RequestValidatorOptions.builder()
                .requestValidatorName("body").validateRequestBody(true).validateRequestParameters(false).build());
        LambdaIntegration integration = LambdaIntegration.Builder.create(api).proxy(true).build();
        MethodOptions iam = MethodOptions.builder().authorizationType(AuthorizationType.IAM).build();

        Resource jobs = rest.getRoot().addResource("jobs");
        jobs.addMethod("POST", integration, MethodOptions.builder().authorizationType(AuthorizationType.IAM)
                .requestModels(Map.of("application/json", submitBody)).requestValidator(body).build());
        jobs.addMethod("GET", integration, iam);
        Resource job = jobs.addResource("{id}");
        job.addMethod("GET", integration, iam);
        job.addMethod("DELETE", integration, iam);
        job.addResource("logs").addMethod("GET", integration, iam);
        return rest.getUrl();
    }

    /**
     * The trigger's ObjectCreated notification, on the bucket's own configuration (no custom resource): S3 may
     * invoke the trigger function for this bucket, in this account.
     */
    private void notification(Policies.Trigger t, Alias trigger) {
        Bucket bucket = buckets.get(t.bucket());
        if (bucket == null) {
            throw new IllegalArgumentException("trigger '" + t.name() + "' watches bucket '" + t.bucket()
                    + "', which the policies' allowlists do not name, so the stack does not create it");
        }
        String permissionId = "S3Invokes-" + t.bucket();
        if (trigger.getNode().tryFindChild(permissionId) == null) {
            trigger.addPermission(permissionId, Permission.builder()
                    .principal(new ServicePrincipal("s3.amazonaws.com"))
                    .sourceArn("arn:" + Aws.PARTITION + ":s3:::" + t.bucket())
                    .sourceAccount(Aws.ACCOUNT_ID).build());
            bucket.getNode().addDependency(trigger.getNode().findChild(permissionId));
        }
        CfnBucket cfn = (CfnBucket) bucket.getNode().getDefaultChild();
        List<Object> filters = new ArrayList<>();
        if (!t.prefix().isEmpty()) {
            filters.add(CfnBucket.FilterRuleProperty.builder().name("prefix").value(t.prefix()).build());
        }
        if (!t.suffix().isEmpty()) {
            filters.add(CfnBucket.FilterRuleProperty.builder().name("suffix").value(t.suffix()).build());
        }
        CfnBucket.LambdaConfigurationProperty.Builder lambda = CfnBucket.LambdaConfigurationProperty.builder()
                .event("s3:ObjectCreated:*").function(trigger.getFunctionArn());
        if (!filters.isEmpty()) {
            lambda.filter(CfnBucket.NotificationFilterProperty.builder()
                    .s3Key(CfnBucket.S3KeyFilterProperty.builder().rules(filters).build()).build());
        }
        List<Object> configurations = new ArrayList<>(notifications.getOrDefault(t.bucket(), List.of()));
        configurations.add(lambda.build());
        notifications.put(t.bucket(), configurations);
        cfn.setNotificationConfiguration(CfnBucket.NotificationConfigurationProperty.builder()
                .lambdaConfigurations(configurations).build());
    }

    private void observability(Queue failures) {
        List<IMetric> finished = new ArrayList<>();
        List<IMetric> failed = new ArrayList<>();
        Map<String, IMetric> failedById = new LinkedHashMap<>();
        List<IMetric> cost = new ArrayList<>();
        List<IMetric> duration = new ArrayList<>();
        for (String backend : BACKENDS) {
            for (String state : List.of("SUCCEEDED", "FAILED", "TIMED_OUT", "CANCELLED")) {
                Metric m = metric(dev.soal.core.JobOutcomes.FINISHED, Map.of("backend", backend, "state", state), "Sum");
                finished.add(m);
                if (!state.equals("SUCCEEDED") && !state.equals("CANCELLED")) {
                    failed.add(m);
                    failedById.put("f" + failedById.size(), m);
                }
            }
            cost.add(metric("soal.jobs.cost.usd", Map.of("backend", backend), "Sum"));
            // one value per ended job (JobOutcomes), so the average is the jobs' average
            duration.add(metric(dev.soal.core.JobOutcomes.DURATION, Map.of("backend", backend), "Average"));
        }
        Metric stuck = metric("soal.jobs.stuck", Map.of(), "Maximum");
        // jobs that ran out of resources on Lambda and ran again on a cluster (JobService counts each once)
        List<IMetric> spilled = new ArrayList<>();
        for (String to : BACKENDS) {
            if (!to.equals("lambda")) {
                for (dev.soal.core.ResourceExhaustion.Kind kind : dev.soal.core.ResourceExhaustion.Kind.values()) {
                    spilled.add(metric(dev.soal.core.JobOutcomes.SPILLED, Map.of("from", "lambda", "to", to, "kind", kind.name()), "Sum"));
                }
            }
        }
        Dashboard.Builder.create(this, "Dashboard").dashboardName(config.prefix() + "-jobs")
                .widgets(List.<List<IWidget>>of(
                        List.of(GraphWidget.Builder.create().title("Jobs finished, by backend and state").left(finished).width(12).build(),
                                GraphWidget.Builder.create().title("Cost (USD, list prices), by backend").left(cost).width(12).build()),
                        List.of(GraphWidget.Builder.create().title("Duration (ms, average), by backend").left(duration).width(12).build(),
                                GraphWidget.Builder.create().title("Unfinished jobs older than 3 h; runtime failures waiting")
                                        .left(List.of(stuck)).right(List.of(failures.metricApproximateNumberOfMessagesVisible()))
                                        .width(12).build()),
                        List.of(GraphWidget.Builder.create().title("Spilled over from Lambda to a cluster, by backend and what ran out")
                                .left(spilled).width(24).build())))
                .build();

        Alarm.Builder.create(this, "FailedJobsAlarm")
                .alarmName(config.prefix() + "-failed-jobs")
                .alarmDescription("SoAL jobs ended FAILED or TIMED_OUT in the last 5 minutes")
                .metric(MathExpression.Builder.create().expression(String.join(" + ", failedById.keySet()))
                        .usingMetrics(failedById).label("failed jobs").period(Duration.minutes(5)).build())
                .threshold(1).evaluationPeriods(1)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING).build();
        Alarm.Builder.create(this, "StuckJobsAlarm")
                .alarmName(config.prefix() + "-stuck-jobs")
                .alarmDescription("SoAL jobs unfinished for more than 3 hours (counted by the reconciler's sweeps)")
                .metric(stuck).threshold(1).evaluationPeriods(3)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING).build();
        Alarm.Builder.create(this, "RuntimeFailuresQueueAlarm")
                .alarmName(config.prefix() + "-runtime-failures-waiting")
                .alarmDescription("runtime failure records are not being consumed by the runtime-failures function")
                .metric(failures.metricApproximateNumberOfMessagesVisible(
                        software.amazon.awscdk.services.cloudwatch.MetricOptions.builder().period(Duration.minutes(5)).statistic("Maximum").build()))
                .threshold(1).evaluationPeriods(3)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING).build();
    }

    private static Metric metric(String name, Map<String, String> dimensions, String statistic) {
        return Metric.Builder.create().namespace(METRICS_NAMESPACE).metricName(name).dimensionsMap(dimensions)
                .statistic(statistic).period(Duration.minutes(5)).build();
    }

    // ---- IAM: exact actions on named resources ----

    /** Scripts and inputs read, outputs read and written, job records read and written: the allowlists and the store. */
    private void allowJobData(IRole role) {
        Policies.Allowlists a = config.policies().allowlists();
        List<String> readBuckets = new ArrayList<>(a.scriptBuckets());
        readBuckets.addAll(a.inputBuckets());
        List<String> writeBuckets = new ArrayList<>(a.outputBuckets());
        writeBuckets.add(config.jobsBucket());
        List<String> all = new ArrayList<>(readBuckets);
        all.addAll(writeBuckets);
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().sid("ListAllowlistedBuckets")
                .actions(List.of("s3:ListBucket", "s3:GetBucketLocation")).resources(bucketArns(all, false)).build());
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().sid("ReadScriptsAndInputs")
                .actions(List.of("s3:GetObject")).resources(bucketArns(all, true)).build());
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().sid("WriteOutputsAndJobRecords")
                .actions(List.of("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"))
                .resources(bucketArns(writeBuckets, true)).build());
    }

    /**
     * The soal catalog, where the policies name a warehouse: the Glue Data Catalog's databases and tables of this
     * account and region (and the partitions of the Hudi tables registered there: docs/tables.md), and the
     * warehouse's objects read, written and deleted (Iceberg expires its own files).
     */
    private void allowTables(IRole role) {
        Policies.TablesPolicy tables = config.policies().tables();
        if (tables == null) {
            return;
        }
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().sid("TheSoalCatalog")
                .actions(List.of("glue:GetDatabase", "glue:GetDatabases", "glue:CreateDatabase", "glue:UpdateDatabase",
                        "glue:DeleteDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable",
                        "glue:DeleteTable", "glue:BatchCreatePartition"))
                .resources(List.of(arn("glue", "catalog"), arn("glue", "database/*"), arn("glue", "table/*/*"))).build());
        String warehouse = tables.warehouse().substring("s3://".length());
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().sid("ListTheWarehouse")
                .actions(List.of("s3:ListBucket", "s3:GetBucketLocation"))
                .resources(bucketArns(List.of(tables.bucket()), false)).build());
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().sid("TheWarehouse")
                .actions(List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
                        "s3:ListMultipartUploadParts"))
                .resources(List.of("arn:" + Aws.PARTITION + ":s3:::" + warehouse + "*")).build());
    }

    /** What a router function does: the job store, measuring inputs, and starting, following and stopping runs. */
    private void allowRouting(IRole role, CfnApplication emr, Role emrRole, CfnJob glue) {
        Policies.Allowlists a = config.policies().allowlists();
        List<String> readable = new ArrayList<>(a.scriptBuckets());
        readable.addAll(a.inputBuckets());
        readable.addAll(a.outputBuckets());
        List<String> listable = new ArrayList<>(readable);
        listable.add(config.jobsBucket());
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().sid("ListForMeasuringAndTheJobIndex")
                .actions(List.of("s3:ListBucket")).resources(bucketArns(listable, false)).build());
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().sid("MeasureInputs")
                .actions(List.of("s3:GetObject")).resources(bucketArns(readable, true)).build());
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().sid("JobStore")
                .actions(List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject"))
                .resources(bucketArns(List.of(config.jobsBucket()), true)).build());
        List<String> runtimes = new ArrayList<>();
        for (Function f : runtimeFunctions) {
            runtimes.add(f.getFunctionArn());
        }
        // the alias the router invokes (its ARN is the function's with ":live")
        for (software.amazon.awscdk.services.lambda.Alias alias : runtimeAliases) {
            runtimes.add(alias.getFunctionArn());
        }
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().sid("InvokeTheRuntime")
                .actions(List.of("lambda:InvokeFunction")).resources(runtimes).build());
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().sid("EmrServerlessRuns")
                // TagResource: StartJobRun carries the job's tags
                .actions(List.of("emr-serverless:StartJobRun", "emr-serverless:TagResource", "emr-serverless:GetJobRun",
                        "emr-serverless:CancelJobRun", "emr-serverless:ListJobRuns", "emr-serverless:GetApplication"))
                .resources(List.of(emr.getAttrArn(), emr.getAttrArn() + "/jobruns/*")).build());
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().sid("PassTheEmrServerlessJobRole")
                .actions(List.of("iam:PassRole")).resources(List.of(emrRole.getRoleArn()))
                .conditions(Map.of("StringEquals", Map.of("iam:PassedToService", "emr-serverless.amazonaws.com"))).build());
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().sid("GlueRuns")
                .actions(List.of("glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"))
                .resources(List.of(arn("glue", "job/" + config.prefix() + "-runner"))).build());
    }

    /** Where the stack keeps the runs' logs: under {@code soal-logs/} in the first output bucket. */
    private String logsBucket() {
        return config.policies().allowlists().outputBuckets().get(0);
    }

    static final String EMR_LOGS = "soal-logs/emr-serverless/";

    /** The output naming where every path's Spark event logs are. */
    public static final String SPARK_EVENT_LOGS_OUTPUT = "SparkEventLogs";

    private String eventLogDir() {
        return dev.soal.core.SparkEventLogs.in(logsBucket());
    }

    /**
     * The API reads a job's logs ({@code GET /jobs/{id}/logs}): the runtime functions' and Glue's log groups, and the
     * EMR Serverless runs' driver logs under their log URI; nothing else.
     */
    private void allowReadingLogs(Alias api) {
        List<String> groups = new ArrayList<>();
        for (Policies.MemoryTier tier : config.policies().lambda().memory()) {
            groups.add(arn("logs", "log-group:/aws/lambda/" + config.runtimeFunctionName(tier.memoryMb()) + ":*"));
        }
        groups.add(arn("logs", "log-group:/aws-glue/jobs/output:*"));
        groups.add(arn("logs", "log-group:/aws-glue/jobs/error:*"));
        api.addToRolePolicy(PolicyStatement.Builder.create().sid("ReadJobLogs")
                .actions(List.of("logs:FilterLogEvents")).resources(groups).build());
        api.addToRolePolicy(PolicyStatement.Builder.create().sid("ReadEmrServerlessLogs")
                .actions(List.of("s3:GetObject"))
                .resources(List.of("arn:" + Aws.PARTITION + ":s3:::" + logsBucket() + "/" + EMR_LOGS + "*")).build());
    }

    /**
     * The event log prefix made at deploy (an empty object at it): a Spark session refuses to start, and the History
     * Server too, where its event log directory does not exist, which on S3 means no object under it yet.
     */
    private void eventLogPrefix() {
        String bucket = logsBucket();
        String functionName = config.prefix() + "-event-log-prefix";
        // its own role and log group, as every function here: Lambda's basic policy would allow every log group
        Role role = Role.Builder.create(this, "SparkEventLogPrefixRole")
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description("SoAL: makes the Spark event log prefix at deploy").build();
        allowLogs(role, "/aws/lambda/" + functionName);
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().sid("MakeTheEventLogPrefix").actions(List.of("s3:PutObject"))
                .resources(List.of("arn:" + Aws.PARTITION + ":s3:::" + bucket + "/" + dev.soal.core.SparkEventLogs.MARKER)).build());
        software.amazon.awscdk.customresources.AwsCustomResource prefix = software.amazon.awscdk.customresources.AwsCustomResource.Builder
                .create(this, "SparkEventLogPrefix")
                .functionName(functionName)
                .role(role)
                .logGroup(logGroup("SparkEventLogPrefixLogs", functionName))
                .onCreate(putMarker(bucket))
                // and again on every update: a changed bucket, or a marker someone deleted, would stop every session
                .onUpdate(putMarker(bucket))
                .installLatestAwsSdk(false)
                .build();
        prefix.getNode().addDependency(role);
        if (buckets.containsKey(bucket)) {
            prefix.getNode().addDependency(buckets.get(bucket));
        }
    }

    private software.amazon.awscdk.customresources.AwsSdkCall putMarker(String bucket) {
        return software.amazon.awscdk.customresources.AwsSdkCall.builder().service("S3").action("putObject")
                .parameters(Map.of("Bucket", bucket, "Key", dev.soal.core.SparkEventLogs.MARKER, "Body", ""))
                .physicalResourceId(software.amazon.awscdk.customresources.PhysicalResourceId.of(eventLogDir())).build();
    }

    private static void allowRead(IRole role, Asset asset) {
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .actions(List.of("s3:GetObject"))
                .resources(List.of("arn:" + Aws.PARTITION + ":s3:::" + asset.getS3BucketName() + "/" + asset.getS3ObjectKey())).build());
    }

    private void allowLogs(IRole role, String logGroupPattern) {
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .actions(List.of("logs:CreateLogStream", "logs:PutLogEvents"))
                .resources(List.of(arn("logs", "log-group:" + logGroupPattern + ":*"))).build());
    }

    private static List<String> bucketArns(List<String> names, boolean objects) {
        return names.stream().distinct().map(n -> "arn:" + Aws.PARTITION + ":s3:::" + n + (objects ? "/*" : "")).toList();
    }

    private static String arn(String service, String resource) {
        return "arn:" + Aws.PARTITION + ":" + service + ":" + Aws.REGION + ":" + Aws.ACCOUNT_ID + ":" + resource;
    }

    private static String camel(String name) {
        StringBuilder b = new StringBuilder();
        for (String part : name.split("-")) {
            b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return b.toString();
    }

    /** The policies file (or the defaults) as {@code soal/policies.yaml}, a layer's content. */
    private Path policyLayerDirectory() {
        try {
            Path dir = Files.createDirectories(config.root().resolve("cdk/target/policy-layer/soal"));
            if (config.policyFile() != null) {
                Files.copy(config.policyFile(), dir.resolve("policies.yaml"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } else {
                try (InputStream in = dev.soal.policies.PolicyLoader.class.getResourceAsStream("policies.yaml")) {
                    Files.copy(in, dir.resolve("policies.yaml"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return dir.getParent();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage the policies for the router functions' layer", e);
        }
    }

    private Path glueEntryScript() {
        try (InputStream in = SoalStack.class.getResourceAsStream("glue/SoalGlueEntry.scala")) {
            Path dir = Files.createDirectories(config.root().resolve("cdk/target/glue"));
            Path file = dir.resolve("SoalGlueEntry.scala");
            Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage the Glue job's script", e);
        }
    }
}
