package dev.soal.policies;

import dev.soal.core.StreamBinding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The policies' streams section: read, and refused with file, line and field. */
class StreamPoliciesTest {
    static final String KINESIS = "arn:aws:kinesis:eu-west-1:123456789012:stream/readings";
    static final String MSK = "arn:aws:kafka:eu-west-1:123456789012:cluster/iot/751d2973-a626-431c-9d4e-d7975eb44dd7-2";

    private static Policies parse(String streams) {
        return PolicyLoader.parse(PolicyLoaderTest.VALID + "streams:\n" + streams, "p.yaml");
    }

    @Test
    void streams_areRead_withTheMappingsSettings_andDefaults() {
        Policies p = parse("""
                  - name: clicks
                    kinesis: %s
                    script: s3://soal-scripts/clicks.sql
                    memoryMb: 2048
                  - name: iot
                    kafka: { cluster: %s, topic: readings }
                    script: s3://soal-scripts/iot.jar
                    mainClass: dev.example.Iot
                    arguments: { table: readings }
                    memoryMb: 4096
                    batchSize: 1000
                    batchingWindowSeconds: 1
                    startingPosition: LATEST
                    maximumRetries: 3
                    bisectOnError: true
                    onFailure: arn:aws:sqs:eu-west-1:123456789012:iot-failed
                    provisionedPollers: { min: 1, max: 4 }
                  - name: local
                    kafka: { bootstrapServers: ["10.0.0.1:9092", "10.0.0.2:9092"], topic: readings }
                    script: s3://soal-scripts/iot.sql
                    memoryMb: 2048
                """.formatted(KINESIS, MSK));
        assertThat(p.streams()).hasSize(3);
        StreamPolicy clicks = p.streams().get(0);
        assertThat(clicks.binding()).isEqualTo(new StreamBinding("clicks", "kinesis", KINESIS, null, null,
                "s3://soal-scripts/clicks.sql", null, java.util.Map.of(), 2048));
        assertThat(clicks.batchSize()).isEqualTo(100);
        assertThat(clicks.batchingWindowSeconds()).isZero();
        assertThat(clicks.startingPosition()).isEqualTo("TRIM_HORIZON");
        assertThat(clicks.maximumRetries()).isNull();
        assertThat(clicks.onFailure()).isEqualTo("default");
        StreamPolicy iot = p.streams().get(1);
        assertThat(iot.binding().topic()).isEqualTo("readings");
        assertThat(iot.binding().arguments()).containsEntry("table", "readings");
        assertThat(iot).extracting(StreamPolicy::batchSize, StreamPolicy::batchingWindowSeconds, StreamPolicy::startingPosition,
                StreamPolicy::maximumRetries, StreamPolicy::bisectOnError, StreamPolicy::minPollers, StreamPolicy::maxPollers)
                .containsExactly(1000, 1, "LATEST", 3, true, 1, 4);
        assertThat(iot.provisioned()).isTrue();
        assertThat(iot.consumerGroup()).isEqualTo("soal-iot");
        assertThat(p.streams().get(2).binding().bootstrapServers()).isEqualTo("10.0.0.1:9092,10.0.0.2:9092");
        assertThat(p.streamBindings(2048)).extracting(StreamBinding::name).containsExactly("clicks", "local");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "kinesis: arn:aws:sqs:eu-west-1:123456789012:q | p.yaml:18: streams[0]: stream 's': kinesis must be a Kinesis stream's ARN",
            "kinesis: " + KINESIS + " ;; kafka: { cluster: " + MSK + ", topic: t } | p.yaml:18: streams[0]: stream 's' must name exactly one source",
            "kafka: { topic: t } | p.yaml:19: streams[0].kafka: must name either cluster (an MSK cluster's ARN) or bootstrapServers",
            "kafka: { cluster: " + MSK + ", topic: 'a b' } | p.yaml:18: streams[0]: stream 's': kafka.topic must be a Kafka topic name",
            "kafka: { bootstrapServers: [nohost], topic: t } | p.yaml:18: streams[0]: stream 's': kafka.bootstrapServers must be host:port",
            "kinesis: " + KINESIS + " ;; parallelizationFactor: 2 | p.yaml:18: streams[0]: stream 's': parallelizationFactor must be 1, but was 2: with more",
            "kinesis: " + KINESIS + " ;; batchSize: 10001 | p.yaml:18: streams[0]: stream 's': batchSize must be within 1..10000, but was 10001",
            "kinesis: " + KINESIS + " ;; batchingWindowSeconds: 301 | batchingWindowSeconds must be within 0..300",
            "kinesis: " + KINESIS + " ;; startingPosition: AT_TIMESTAMP | startingPosition must be TRIM_HORIZON or LATEST",
            "kinesis: " + KINESIS + " ;; maximumRetries: -2 | maximumRetries must be within -1..10000",
            "kinesis: " + KINESIS + " ;; bisectOnError: yes | p.yaml:20: streams[0].bisectOnError: expected true or false, but was 'yes'",
            "kinesis: " + KINESIS + " ;; onFailure: my-queue | onFailure must be 'default' (a queue the stack makes) or an SQS queue's ARN",
            "kinesis: " + KINESIS + " ;; provisionedPollers: { min: 1 } | provisionedPollers is for Kafka streams only",
            "kafka: { cluster: " + MSK + ", topic: t } ;; maximumRetries: 3 | maximumRetries and bisectOnError need the Kafka mapping's provisioned mode",
            "kafka: { cluster: " + MSK + ", topic: t } ;; provisionedPollers: { min: 3, max: 2 } | provisionedPollers.max must be within 3..2000",
            "kinesis: " + KINESIS + " ;; arguments: { event: x } | p.yaml:18: streams[0]: argument name 'event' is reserved",
    })
    void aBadStream_isNamed(String source, String expected) {
        String stream = ("  - name: s ;; " + source + " ;; script: s3://soal-scripts/s.sql ;; memoryMb: 2048\n").replace(" ;; ", "\n    ");
        assertThatThrownBy(() -> parse(stream)).isInstanceOf(PolicyException.class).hasMessageContaining(expected.strip());
    }

    @Test
    void aStreamsTier_scriptBucket_nameAndSource_areChecked() {
        String base = "  - name: s\n    kinesis: " + KINESIS + "\n    script: s3://soal-scripts/s.sql\n    memoryMb: 2048\n";
        assertThatThrownBy(() -> parse(base.replace("2048", "3000")))
                .hasMessageStartingWith("p.yaml:21: streams[0].memoryMb: must be one of lambda.memory's tiers [2048, 4096]");
        assertThatThrownBy(() -> parse(base.replace("soal-scripts", "elsewhere")))
                .hasMessageStartingWith("p.yaml:20: streams[0].script: is in bucket 'elsewhere', which allowlists.scriptBuckets does not list");
        assertThatThrownBy(() -> parse(base + base))
                .hasMessageStartingWith("p.yaml:22: streams[1].name: stream 's' is named twice");
        assertThatThrownBy(() -> parse(base + base.replace("name: s", "name: t")))
                .hasMessageStartingWith("p.yaml:22: streams[1]: stream 't' reads the same source as stream 's'");
        assertThatThrownBy(() -> parse(base.replace("name: s", "name: 'a b'")))
                .hasMessageContaining("a stream's name must be 1-64 letters");
    }
}
