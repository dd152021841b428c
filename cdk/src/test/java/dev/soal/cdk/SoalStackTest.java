package dev.soal.cdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Capture;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stack as CloudFormation sees it (CDK's assertions on the synthesized template), with the project's
 * default policies: every resource issue 9 names, and the IAM rules (no wildcard action, resources named,
 * PassRole only for the cluster roles, every API method IAM-authorized).
 */
class SoalStackTest {
    static final Path ROOT = Path.of(System.getProperty("soal.home", "..")).toAbsolutePath().normalize();
    static Template template;
    static JsonNode json;
    static SoalStackConfig config;

    @BeforeAll
    static void synth() {
        // in CI a missing Node.js fails the stack's tests; elsewhere (only a JDK and Maven) they are skipped
        if (SoalApp.nodeRequired()) {
            assertThat(SoalApp.nodeAvailable()).as("CDK's Java bindings need Node.js (node on the PATH)").isTrue();
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(SoalApp.nodeAvailable(), "CDK's Java bindings need Node.js");
        App app = new App(AppProps.builder().context(Map.of("aws:cdk:disable-asset-staging", true)).build());
        config = SoalStackConfig.of(ROOT, null, Map.of()).requireBuilt();
        SoalStack stack = new SoalStack(app, "SoAL", StackProps.builder().build(), config);
        template = Template.fromStack(stack);
        json = new ObjectMapper().valueToTree(template.toJSON());
    }

    private static List<JsonNode> resources(String type) {
        List<JsonNode> out = new ArrayList<>();
        json.path("Resources").forEach(r -> {
            if (r.path("Type").asText().equals(type)) {
                out.add(r);
            }
        });
        return out;
    }

    @Test
    void everyDashboardWidgetAndAlarm_namesAMetricAndDimensionsTheCodeWrites() throws Exception {
        java.util.Set<String> named = StackMetrics.named(json);
        java.util.Set<String> written = StackMetrics.written();

        assertThat(named).as("the stack shows these").contains(
                "soal.jobs.finished{backend=glue, state=TIMED_OUT}", "soal.jobs.duration{backend=lambda}",
                "soal.jobs.stuck{}", "soal.jobs.cost.usd{backend=emr-serverless}");
        assertThat(written).containsAll(named);
    }

    @Test
    void buckets_areEncrypted_private_tlsOnly_andJobRecordsExpire() {
        template.resourceCountIs("AWS::S3::Bucket", 4);
        for (String name : List.of("soal-scripts", "soal-data", "soal-output", "soal-jobs")) {
            template.hasResourceProperties("AWS::S3::Bucket", Map.of(
                    "BucketName", name,
                    "BucketEncryption", Map.of("ServerSideEncryptionConfiguration",
                            List.of(Map.of("ServerSideEncryptionByDefault", Map.of("SSEAlgorithm", "AES256")))),
                    "PublicAccessBlockConfiguration", Map.of("BlockPublicAcls", true, "BlockPublicPolicy", true,
                            "IgnorePublicAcls", true, "RestrictPublicBuckets", true)));
        }
        template.hasResourceProperties("AWS::S3::Bucket", Map.of("BucketName", "soal-jobs",
                "LifecycleConfiguration", Map.of("Rules", Match.arrayWith(List.of(Match.objectLike(
                        Map.of("ExpirationInDays", 90, "Status", "Enabled")))))));
        // TLS only: every bucket's policy denies requests without secure transport
        template.resourceCountIs("AWS::S3::BucketPolicy", 4);
        for (JsonNode policy : resources("AWS::S3::BucketPolicy")) {
            assertThat(policy.toString()).contains("\"aws:SecureTransport\":\"false\"").contains("\"Effect\":\"Deny\"");
        }
    }

    @Test
    void oneRuntimeFunctionPerMemoryTier_fromTheDockerfile_withNoRetriesAndAnOnFailureQueue() {
        List<JsonNode> images = resources("AWS::Lambda::Function").stream()
                .filter(f -> f.path("Properties").path("PackageType").asText().equals("Image")).toList();
        assertThat(images).hasSize(config.policies().lambda().memory().size());
        for (var tier : config.policies().lambda().memory()) {
            template.hasResourceProperties("AWS::Lambda::Function", Map.of(
                    "FunctionName", "soal-runtime-" + tier.memoryMb(),
                    "PackageType", "Image",
                    "MemorySize", tier.memoryMb(),
                    "Timeout", 900,
                    "EphemeralStorage", Map.of("Size", config.ephemeralStorageMb())));
        }
        assertThat(config.ephemeralStorageMb()).isEqualTo(3 * 400 + 512);
        Capture queue = new Capture();
        // each runtime function's, and its live alias's (which the router invokes): the same settings
        template.resourceCountIs("AWS::Lambda::EventInvokeConfig", 2 * images.size());
        // the events' maximum age is what the router's start lease of a Lambda submit is made of
        template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", Map.of("MaximumRetryAttempts", 0,
                "MaximumEventAgeInSeconds", SoalStack.RUNTIME_MAX_EVENT_AGE_SECONDS,
                "DestinationConfig", Map.of("OnFailure", Map.of("Destination", Map.of("Fn::GetAtt", List.of(queue, "Arn"))))));
        // the runtime-failures function reads that queue
        template.hasResourceProperties("AWS::Lambda::EventSourceMapping", Map.of(
                "EventSourceArn", Map.of("Fn::GetAtt", List.of(queue.asString(), "Arn"))));
        // the image is an asset the deploy builds and pushes (from lambda-runtime/Dockerfile)
        assertThat(images.get(0).path("Properties").path("Code").path("ImageUri").toString()).contains("container-assets");
    }

    @Test
    void routerFunctions_onJava21WithSnapStart_fromThePackage_withTheirSettings() {
        for (String handler : List.of("ApiFunction", "S3TriggerFunction", "StatusEventFunction", "RuntimeFailureFunction", "ReconcilerFunction")) {
            template.hasResourceProperties("AWS::Lambda::Function", Map.of(
                    "Handler", "dev.soal.router.aws." + handler,
                    "Runtime", "java21",
                    "SnapStart", Map.of("ApplyOn", "PublishedVersions"),
                    "Environment", Map.of("Variables", Match.objectLike(Map.of(
                            "SOAL_JOB_STORE", "s3://soal-jobs/",
                            "SOAL_OUTPUT_BASE", "s3://soal-output/jobs/",
                            "SOAL_POLICY", "/opt/soal/policies.yaml",
                            "SOAL_RUNTIME_FUNCTION", "soal-runtime-{memoryMb}",
                            // the router's start lease is made of the same maximum event age the functions have
                            "SOAL_RUNTIME_MAX_EVENT_AGE_SECONDS", String.valueOf(SoalStack.RUNTIME_MAX_EVENT_AGE_SECONDS),
                            "SOAL_METRICS", "emf",
                            "SOAL_EMR_APPLICATION_ID", Match.anyValue(),
                            "SOAL_EMR_EXECUTION_ROLE_ARN", Match.anyValue(),
                            "SOAL_GLUE_JOB_NAME", Match.anyValue(),
                            "SOAL_RUNNER_JAR_URI", Match.anyValue())))));
        }
        // the five router functions', and one per runtime function (RuntimeAlias)
        template.resourceCountIs("AWS::Lambda::Alias", 5 + config.policies().lambda().memory().size());
        template.resourceCountIs("AWS::Lambda::LayerVersion", 1);
    }

    @Test
    void theJobsApi_everyMethodIamAuthorized_andPostValidatedAgainstTheOpenApiModel() {
        List<JsonNode> methods = resources("AWS::ApiGateway::Method");
        assertThat(methods).extracting(m -> m.path("Properties").path("HttpMethod").asText())
                .containsExactlyInAnyOrder("POST", "GET", "GET", "DELETE", "GET");
        for (JsonNode m : methods) {
            assertThat(m.path("Properties").path("AuthorizationType").asText()).as(m.toString()).isEqualTo("AWS_IAM");
        }
        Capture model = new Capture();
        template.hasResourceProperties("AWS::ApiGateway::Method", Map.of("HttpMethod", "POST",
                "RequestModels", Map.of("application/json", Map.of("Ref", model)),
                "RequestValidatorId", Match.anyValue()));
        JsonNode schema = json.path("Resources").path(model.asString()).path("Properties").path("Schema");
        assertThat(schema.path("required").toString()).contains("script").contains("inputs");
        assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
        assertThat(schema.path("properties").path("inputs").path("minItems").asInt()).isEqualTo(1);
        template.hasResourceProperties("AWS::ApiGateway::RequestValidator", Map.of("ValidateRequestBody", true));
    }

    @Test
    void eachTriggerInThePolicies_isAnObjectCreatedNotification() {
        // the default policies have two triggers on one bucket: it gets both
        assertThat(config.policies().triggers()).hasSizeGreaterThan(1);
        for (var trigger : config.policies().triggers()) {
            template.hasResourceProperties("AWS::S3::Bucket", Map.of("BucketName", trigger.bucket(),
                    "NotificationConfiguration", Map.of("LambdaConfigurations", Match.arrayWith(List.of(Match.objectLike(Map.of(
                            "Event", "s3:ObjectCreated:*",
                            "Filter", Map.of("S3Key", Map.of("Rules", List.of(
                                    Map.of("Name", "prefix", "Value", trigger.prefix()),
                                    Map.of("Name", "suffix", "Value", trigger.suffix())))))))))));
        }
        template.hasResourceProperties("AWS::Lambda::Permission", Map.of("Principal", "s3.amazonaws.com",
                "Action", "lambda:InvokeFunction", "SourceAccount", Match.anyValue()));
    }

    @Test
    void emrServerlessAndGlue_forTheRunnerJar_eachWithItsOwnRole() {
        template.hasResourceProperties("AWS::EMRServerless::Application", Map.of(
                "ReleaseLabel", Match.stringLikeRegexp("emr-7\\..*"), "Type", "SPARK",
                "AutoStartConfiguration", Map.of("Enabled", true),
                "AutoStopConfiguration", Map.of("Enabled", true, "IdleTimeoutMinutes", 15),
                "MaximumCapacity", Map.of("Cpu", Match.anyValue(), "Memory", Match.anyValue())));
        // capacity for the policies' concurrent jobs at their largest, not for one: the large path runs them side by side
        dev.soal.policies.Policies.EmrPolicy emr = config.policies().emrServerless();
        assertThat(emr.concurrentJobs()).isGreaterThan(1);
        template.hasResourceProperties("AWS::EMRServerless::Application", Map.of("MaximumCapacity", Map.of(
                "Cpu", emr.concurrentJobs() * emr.jobVcpus() + " vCPU", "Memory", emr.concurrentJobs() * emr.jobMemoryGb() + " GB")));
        assertThat(emr.jobVcpus()).isEqualTo((emr.maxExecutors() + 1) * Math.max(emr.driverCores(), emr.executorCores()));
        // nothing kept warm (and billed while idle) unless the policies ask: EmrInitialCapacityTest
        assertThat(resources("AWS::EMRServerless::Application").get(0).path("Properties").has("InitialCapacity")).isFalse();
        template.hasResourceProperties("AWS::Glue::Job", Map.of(
                "GlueVersion", Match.stringLikeRegexp("5\\.[0-9]+"),
                "Command", Map.of("Name", "glueetl", "ScriptLocation", Match.anyValue()),
                "DefaultArguments", Match.objectLike(Map.of("--job-language", "scala", "--class", "SoalGlueEntry",
                        "--extra-jars", Match.anyValue(), "--datalake-formats", "iceberg,delta,hudi",
                        "--conf", "spark.serializer=org.apache.spark.serializer.KryoSerializer")),
                "WorkerType", config.policies().glue().workerType(),
                "NumberOfWorkers", config.policies().glue().numberOfWorkers()));
        template.hasResourceProperties("AWS::IAM::Role", Map.of("AssumeRolePolicyDocument", Map.of("Statement", List.of(
                Match.objectLike(Map.of("Principal", Map.of("Service", "emr-serverless.amazonaws.com")))))));
        template.hasResourceProperties("AWS::IAM::Role", Map.of("AssumeRolePolicyDocument", Map.of("Statement", List.of(
                Match.objectLike(Map.of("Principal", Map.of("Service", "glue.amazonaws.com")))))));
    }

    @Test
    void stateChangeRules_theReconcilersSchedule_logs_dashboard_andAlarms() {
        template.hasResourceProperties("AWS::Events::Rule", Map.of("EventPattern", Match.objectLike(Map.of(
                "source", List.of("aws.emr-serverless"), "detail-type", List.of("EMR Serverless Job Run State Change")))));
        template.hasResourceProperties("AWS::Events::Rule", Map.of("EventPattern", Match.objectLike(Map.of(
                "source", List.of("aws.glue"), "detail-type", List.of("Glue Job State Change")))));
        template.hasResourceProperties("AWS::Events::Rule", Map.of("ScheduleExpression", "rate(1 minute)"));
        List<JsonNode> functions = resources("AWS::Lambda::Function");
        List<JsonNode> logs = resources("AWS::Logs::LogGroup");
        assertThat(logs).hasSize(functions.size());
        assertThat(logs).allSatisfy(l -> assertThat(l.path("Properties").path("RetentionInDays").asInt()).isEqualTo(30));
        template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
        String dashboard = resources("AWS::CloudWatch::Dashboard").get(0).toString();
        assertThat(dashboard).contains("soal.jobs.finished").contains("soal.jobs.cost.usd").contains("soal.jobs.duration");
        template.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of("AlarmName", "soal-failed-jobs"));
        template.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of("AlarmName", "soal-stuck-jobs", "MetricName", "soal.jobs.stuck"));
        template.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of("AlarmName", "soal-runtime-failures-waiting",
                "MetricName", "ApproximateNumberOfMessagesVisible"));
    }

    @Test
    void iam_noWildcardAction_passRoleOnlyForTheClusterRoles_resourcesNamed() {
        assertThat(iamProblems(json)).isEmpty();
        assertThat(json.toString()).contains("iam:PassRole");
    }

    @Test
    void theRuntimeRole_touchesOnlyTheAllowlistedBucketsTheJobStoreAndTheCatalog() {
        String policies = resources("AWS::IAM::Policy").stream()
                .filter(p -> p.path("Properties").path("Roles").toString().contains("RuntimeRole"))
                .map(JsonNode::toString).reduce("", String::concat);
        assertThat(policies).contains("soal-scripts").contains("soal-data").contains("soal-output").contains("soal-jobs");
        assertThat(policies).doesNotContain("lambda:InvokeFunction").doesNotContain("emr-serverless:")
                .doesNotContain("glue:StartJobRun").doesNotContain("glue:GetJobRun");
        // its writes go to the output buckets and the store only
        for (JsonNode p : resources("AWS::IAM::Policy")) {
            p.findValues("Statement").forEach(statements -> statements.forEach(st -> {
                if (st.path("Sid").asText().equals("WriteOutputsAndJobRecords")) {
                    assertThat(st.path("Resource").toString()).doesNotContain("soal-scripts").doesNotContain("soal-data/");
                }
            }));
        }
    }

    @Test
    void theApi_readsTheRunsLogs_inTheRuntimeAndGlueLogGroupsAndTheEmrLogUri_only() {
        Map<String, JsonNode> st = statementsOf("ApiRole");
        assertThat(st).containsKeys("ReadJobLogs", "ReadEmrServerlessLogs");
        assertThat(st.get("ReadJobLogs").path("Action").asText()).isEqualTo("logs:FilterLogEvents");
        String groups = st.get("ReadJobLogs").path("Resource").toString();
        for (var tier : config.policies().lambda().memory()) {
            assertThat(groups).contains("log-group:/aws/lambda/soal-runtime-" + tier.memoryMb() + ":*");
        }
        assertThat(groups).contains("log-group:/aws-glue/jobs/output:*").contains("log-group:/aws-glue/jobs/error:*")
                .doesNotContain("log-group:*");
        assertThat(st.get("ReadEmrServerlessLogs").path("Resource").toString()).contains("soal-output/soal-logs/emr-serverless/*");
        // the EMR Serverless runs are told to write there
        template.hasResourceProperties("AWS::Lambda::Function", Map.of("FunctionName", "soal-api",
                "Environment", Map.of("Variables", Map.of("SOAL_EMR_LOG_URI", "s3://soal-output/soal-logs/emr-serverless/"))));
        // no other router function reads logs
        assertThat(statementsOf("S3TriggerRole")).isNotEmpty().doesNotContainKey("ReadJobLogs");
    }

    @Test
    void everyPath_writesItsSparkEventLogsToOnePrefix() {
        String dir = "s3://soal-output/soal-logs/spark-events/";
        for (var tier : config.policies().lambda().memory()) {
            template.hasResourceProperties("AWS::Lambda::Function", Map.of("FunctionName", "soal-runtime-" + tier.memoryMb(),
                    "Environment", Map.of("Variables", Map.of("SOAL_EVENT_LOG_DIR", dir))));
        }
        // the router passes it to EMR Serverless runs
        template.hasResourceProperties("AWS::Lambda::Function", Map.of("FunctionName", "soal-api",
                "Environment", Map.of("Variables", Map.of("SOAL_EVENT_LOG_DIR", dir))));
        template.hasResourceProperties("AWS::Glue::Job", Map.of("DefaultArguments", Map.of(
                "--enable-spark-ui", "true", "--spark-event-logs-path", dir)));
        template.hasOutput("SparkEventLogs", Map.of("Value", dir));
        // made at deploy: a session whose event log directory does not exist does not start
        assertThat(resources("Custom::AWS").toString()).contains("putObject").contains("soal-logs/spark-events/.keep")
                .contains("soal-output");
        // made again on every update: without it every session would refuse to start
        assertThat(resources("Custom::AWS").get(0).path("Properties").has("Update")).isTrue();
    }

    /** Statements of the policies attached to the role whose logical id starts with {@code role}, by Sid. */
    private static Map<String, JsonNode> statementsOf(String role) {
        Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
        for (JsonNode p : resources("AWS::IAM::Policy")) {
            if (p.path("Properties").path("Roles").toString().contains("\"" + role)) {
                p.findValues("Statement").forEach(statements -> statements.forEach(st -> out.put(st.path("Sid").asText(), st)));
            }
        }
        return out;
    }

    @Test
    void theSoalCatalog_isTheGlueDataCatalog_forTheRuntimeFunctionsAndBothClusterRoles_withThePoliciesWarehouse() {
        String warehouse = config.policies().tables().warehouse();
        assertThat(warehouse).isEqualTo("s3://soal-data/warehouse/");
        // every runtime function gets the catalog in its environment; the router passes the same to EMR and Glue runs
        for (var tier : config.policies().lambda().memory()) {
            template.hasResourceProperties("AWS::Lambda::Function", Map.of(
                    "FunctionName", "soal-runtime-" + tier.memoryMb(),
                    "Environment", Map.of("Variables", Map.of("SOAL_CATALOG", "glue", "SOAL_WAREHOUSE", warehouse,
                            "SOAL_JOB_STORE", "s3://soal-jobs/"))));
        }
        for (String role : List.of("RuntimeRole", "EmrServerlessJobRole", "GlueJobRole")) {
            Map<String, JsonNode> st = statementsOf(role);
            assertThat(st).as(role).containsKeys("TheSoalCatalog", "TheWarehouse", "ListTheWarehouse");
            List<String> actions = new ArrayList<>();
            st.get("TheSoalCatalog").path("Action").forEach(a -> actions.add(a.asText()));
            assertThat(actions).as(role).contains("glue:GetDatabase", "glue:CreateDatabase", "glue:GetTable",
                    "glue:CreateTable", "glue:UpdateTable", "glue:BatchCreatePartition").allMatch(a -> a.startsWith("glue:"));
            // the account's catalog, its databases and tables: named, never "*"
            assertThat(st.get("TheSoalCatalog").path("Resource").toString())
                    .contains(":catalog").contains(":database/*").contains(":table/*/*");
            assertThat(st.get("TheWarehouse").path("Resource").toString()).contains("soal-data/warehouse/*")
                    .doesNotContain("soal-data/*");
        }
        // the router's roles start and follow runs; they do not touch tables
        assertThat(json.toString().split("TheSoalCatalog", -1)).hasSize(4);
    }

    /**
     * What a template's grants do beyond least privilege: a wildcard action, PassRole beyond the cluster roles, a
     * resource {@code *} (but for the EC2 reads that have no narrower one, {@link StreamMappings#EC2_DESCRIBE}), a
     * managed policy.
     */
    static List<String> iamProblems(JsonNode template) {
        List<String> problems = new ArrayList<>();
        for (String type : List.of("AWS::IAM::Policy", "AWS::IAM::Role")) {
            template.path("Resources").forEach(r -> {
                if (!r.path("Type").asText().equals(type)) {
                    return;
                }
                r.findValues("Statement").forEach(statements -> statements.forEach(st -> {
                    if (!st.path("Effect").asText().equals("Allow")) {
                        return;
                    }
                    List<String> actions = new ArrayList<>();
                    if (st.path("Action").isArray()) {
                        st.path("Action").forEach(a -> actions.add(a.asText()));
                    } else {
                        actions.add(st.path("Action").asText());
                    }
                    for (String a : actions) {
                        if (a.contains("*")) {
                            problems.add("wildcard action " + a + " in " + st);
                        }
                        if (a.equals("iam:PassRole") && !st.path("Resource").toString().contains("EmrServerlessJobRole")
                                && !st.path("Resource").toString().contains("GlueJobRole")) {
                            problems.add("PassRole beyond the cluster roles: " + st);
                        }
                    }
                    if (st.has("Resource") && st.path("Resource").toString().contains("\"*\"")
                            && !StreamMappings.EC2_DESCRIBE.containsAll(actions)) {
                        problems.add("resource * in " + st);
                    }
                }));
            });
        }
        // managed policies carry wildcards and "*" resources of their own (even Lambda's basic execution role): none
        template.path("Resources").forEach(r -> {
            if (r.path("Type").asText().equals("AWS::IAM::Role")) {
                r.path("Properties").path("ManagedPolicyArns").forEach(p ->
                        problems.add("managed policy " + p + " on " + r.path("Properties").path("Description")));
            }
        });
        return problems;
    }
}
