package dev.soal.cdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Template;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The policies' streams in the stack: their event source mappings, settings, failure queues and grants. */
class StreamMappingsTest {
    static final String KINESIS = "arn:aws:kinesis:eu-west-1:123456789012:stream/clicks";
    static final String MSK = "arn:aws:kafka:eu-west-1:123456789012:cluster/iot/751d2973-a626-431c-9d4e-d7975eb44dd7-2";
    @TempDir
    static Path tmp;
    static JsonNode json;

    @BeforeAll
    static void synth() throws Exception {
        if (SoalApp.nodeRequired()) {
            assertThat(SoalApp.nodeAvailable()).as("CDK's Java bindings need Node.js (node on the PATH)").isTrue();
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(SoalApp.nodeAvailable(), "CDK's Java bindings need Node.js");
        String defaults = Files.readString(SoalStackTest.ROOT.resolve("policies/policies.yaml"));
        Path policies = Files.writeString(tmp.resolve("policies.yaml"), defaults + """
                streams:
                  - name: clicks
                    kinesis: %s
                    script: s3://soal-scripts/clicks.sql
                    memoryMb: 2048
                    batchSize: 500
                    batchingWindowSeconds: 5
                    maximumRetries: 4
                    bisectOnError: true
                  - name: iot
                    kafka: { cluster: %s, topic: readings }
                    script: s3://soal-scripts/iot.sql
                    memoryMb: 4096
                    batchSize: 1000
                    startingPosition: LATEST
                    maximumRetries: 3
                    bisectOnError: true
                    onFailure: arn:aws:sqs:eu-west-1:123456789012:iot-failed
                    provisionedPollers: { min: 1, max: 3 }
                  - name: onprem
                    kafka: { bootstrapServers: ["10.0.0.1:9092"], topic: orders }
                    script: s3://soal-scripts/orders.sql
                    memoryMb: 2048
                  - name: forever
                    kinesis: arn:aws:kinesis:eu-west-1:123456789012:stream/forever
                    script: s3://soal-scripts/clicks.sql
                    memoryMb: 2048
                    maximumRetries: -1
                """.formatted(KINESIS, MSK));
        App app = new App(AppProps.builder().context(Map.of("aws:cdk:disable-asset-staging", true)).build());
        SoalStackConfig config = SoalStackConfig.of(SoalStackTest.ROOT, policies, Map.of()).requireBuilt();
        json = new ObjectMapper().valueToTree(Template.fromStack(new SoalStack(app, "SoAL", StackProps.builder().build(), config)).toJSON());
    }

    private static List<JsonNode> of(String type) {
        List<JsonNode> out = new ArrayList<>();
        json.path("Resources").forEach(r -> {
            if (r.path("Type").asText().equals(type)) {
                out.add(r.path("Properties"));
            }
        });
        return out;
    }

    private static JsonNode mapping(String sourceField, String value) {
        return of("AWS::Lambda::EventSourceMapping").stream().filter(p -> p.toString().contains(value)).findFirst().orElseThrow();
    }

    @Test
    void aKinesisStream_isMappedOnItsTier_withItsSettings_andPartialBatchResponses() {
        JsonNode m = mapping("EventSourceArn", KINESIS);
        assertThat(m.path("EventSourceArn").asText()).isEqualTo(KINESIS);
        assertThat(m.path("FunctionName").toString()).contains("Runtime2048Live");
        assertThat(m.path("BatchSize").asInt()).isEqualTo(500);
        assertThat(m.path("MaximumBatchingWindowInSeconds").asInt()).isEqualTo(5);
        assertThat(m.path("MaximumRetryAttempts").asInt()).isEqualTo(4);
        assertThat(m.path("BisectBatchOnFunctionError").asBoolean()).isTrue();
        assertThat(m.path("ParallelizationFactor").asInt()).isEqualTo(1);
        assertThat(m.path("StartingPosition").asText()).isEqualTo("TRIM_HORIZON");
        assertThat(m.path("FunctionResponseTypes").toString()).isEqualTo("[\"ReportBatchItemFailures\"]");
        // its own failure queue, made by the stack
        assertThat(m.path("DestinationConfig").path("OnFailure").path("Destination").toString()).contains("StreamClicksFailed");
    }

    @Test
    void anMskStream_inProvisionedMode_hasKafkasErrorHandling_aNamedGroup_andTheGivenQueue() {
        JsonNode m = mapping("EventSourceArn", MSK);
        assertThat(m.path("FunctionName").toString()).contains("Runtime4096Live");
        assertThat(m.path("Topics").toString()).isEqualTo("[\"readings\"]");
        assertThat(m.path("AmazonManagedKafkaEventSourceConfig").path("ConsumerGroupId").asText()).isEqualTo("soal-iot");
        assertThat(m.path("ProvisionedPollerConfig").path("MinimumPollers").asInt()).isEqualTo(1);
        assertThat(m.path("ProvisionedPollerConfig").path("MaximumPollers").asInt()).isEqualTo(3);
        assertThat(m.path("FunctionResponseTypes").toString()).isEqualTo("[\"ReportBatchItemFailures\"]");
        assertThat(m.path("MaximumRetryAttempts").asInt()).isEqualTo(3);
        assertThat(m.path("BisectBatchOnFunctionError").asBoolean()).isTrue();
        assertThat(m.path("StartingPosition").asText()).isEqualTo("LATEST");
        assertThat(m.path("DestinationConfig").path("OnFailure").path("Destination").asText())
                .isEqualTo("arn:aws:sqs:eu-west-1:123456789012:iot-failed");
    }

    @Test
    void retriesUntilTheRecordsExpire_areLambdasDefault_leftUnset() {
        JsonNode m = mapping("EventSourceArn", "stream/forever");
        assertThat(m.has("MaximumRetryAttempts")).isFalse();
        assertThat(m.path("FunctionResponseTypes").toString()).isEqualTo("[\"ReportBatchItemFailures\"]");
    }

    @Test
    void aSelfManagedKafkaStream_onDemand_getsNoControlsLambdaAllowsInProvisionedModeOnly() {
        JsonNode m = mapping("KAFKA_BOOTSTRAP_SERVERS", "10.0.0.1:9092");
        assertThat(m.path("SelfManagedEventSource").path("Endpoints").path("KafkaBootstrapServers").toString()).contains("10.0.0.1:9092");
        assertThat(m.path("SelfManagedKafkaEventSourceConfig").path("ConsumerGroupId").asText()).isEqualTo("soal-onprem");
        assertThat(m.has("FunctionResponseTypes")).isFalse();
        assertThat(m.has("MaximumRetryAttempts")).isFalse();
        assertThat(m.has("BisectBatchOnFunctionError")).isFalse();
        assertThat(m.has("ProvisionedPollerConfig")).isFalse();
    }

    @Test
    void eachTiersRuntime_knowsItsStreams_only() {
        Map<String, String> byTier = new java.util.HashMap<>();
        json.path("Resources").fields().forEachRemaining(e -> {
            if (e.getValue().path("Type").asText().equals("AWS::Lambda::Function") && e.getKey().startsWith("Runtime")) {
                byTier.put(e.getKey().replaceAll("[^0-9].*$", "").isEmpty() ? e.getKey() : e.getKey(),
                        e.getValue().path("Properties").path("Environment").path("Variables").path("SOAL_STREAMS").asText());
            }
        });
        String t2048 = byTier.entrySet().stream().filter(e -> e.getKey().startsWith("Runtime2048")).findFirst().orElseThrow().getValue();
        String t4096 = byTier.entrySet().stream().filter(e -> e.getKey().startsWith("Runtime4096")).findFirst().orElseThrow().getValue();
        assertThat(t2048).contains("\"name\":\"clicks\"").contains("\"name\":\"onprem\"").doesNotContain("\"iot\"");
        assertThat(t4096).contains("\"name\":\"iot\"").contains(MSK).doesNotContain("clicks");
    }

    @Test
    void theGrants_nameTheStreamTheClusterItsTopicAndGroup_andNoWildcardAction() {
        String runtimePolicies = of("AWS::IAM::Policy").stream().filter(p -> p.path("Roles").toString().contains("RuntimeRole"))
                .map(JsonNode::toString).reduce("", String::concat);
        assertThat(runtimePolicies).contains("\"kinesis:GetRecords\"").contains("\"kinesis:GetShardIterator\"")
                .contains("\"kinesis:DescribeStream\"").contains("\"kinesis:ListShards\"").contains(KINESIS);
        assertThat(runtimePolicies).contains("\"kafka-cluster:Connect\"").contains("\"kafka-cluster:ReadData\"")
                .contains("\"kafka-cluster:DescribeGroup\"").contains("\"kafka-cluster:AlterGroup\"")
                .contains("\"kafka:DescribeClusterV2\"").contains("\"kafka:GetBootstrapBrokers\"")
                .contains("arn:aws:kafka:eu-west-1:123456789012:topic/iot/751d2973-a626-431c-9d4e-d7975eb44dd7-2/readings")
                .contains("arn:aws:kafka:eu-west-1:123456789012:group/iot/751d2973-a626-431c-9d4e-d7975eb44dd7-2/soal-iot")
                .contains("\"ec2:CreateNetworkInterface\"");
        assertThat(runtimePolicies).contains("\"sqs:SendMessage\"");
        assertThat(SoalStackTest.iamProblems(json)).isEmpty();
    }
}
