package dev.soal.cdk;

import dev.soal.core.StreamBinding;
import dev.soal.policies.StreamPolicy;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.lambda.EventSourceMapping;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.lambda.ProvisionedPollerConfig;
import software.amazon.awscdk.services.lambda.eventsources.SqsDlq;
import software.amazon.awscdk.services.lambda.StartingPosition;
import software.amazon.awscdk.services.sqs.IQueue;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

import java.util.List;

/**
 * The policies' streams in the stack: one event source mapping per stream on its tier's runtime function, with
 * partial batch responses on ({@code ReportBatchItemFailures}: the runtime answers {@code batchItemFailures}), an SQS
 * queue for the batches that used up their retries, and the runtime role's grants on that stream only.
 * <ul>
 *   <li>Kinesis: {@code kinesis:DescribeStream}, {@code DescribeStreamSummary}, {@code GetRecords},
 *   {@code GetShardIterator}, {@code ListShards} on the stream's ARN.</li>
 *   <li>MSK (IAM access control): {@code kafka-cluster:Connect} and {@code DescribeClusterDynamicConfiguration} on the
 *   cluster, {@code DescribeTopic} and {@code ReadData} on the topic, {@code DescribeGroup} and {@code AlterGroup} on
 *   the mapping's consumer group ({@code soal-<stream>}); {@code kafka:DescribeClusterV2} and
 *   {@code GetBootstrapBrokers} on the cluster; and for the cluster's VPC, where Lambda's pollers connect, the network
 *   interface actions (create and delete on this account's interfaces, subnets and security groups; the EC2
 *   {@code Describe*} actions named, on every resource, as EC2 allows no narrower one).</li>
 * </ul>
 * A Kafka mapping in on-demand mode ({@code provisionedPollers} unset) gets none of Kafka's error handling controls:
 * Lambda allows retry limits, bisection and partial batch responses on Kafka in provisioned mode only.
 */
final class StreamMappings {
    private StreamMappings() {
    }

    static void add(Construct scope, StreamPolicy stream, IFunction runtime, Role role) {
        StreamBinding b = stream.binding();
        String id = "Stream" + camel(b.name());
        IQueue failed = StreamPolicy.DEFAULT_QUEUE.equals(stream.onFailure())
                ? Queue.Builder.create(scope, id + "Failed").encryption(QueueEncryption.SQS_MANAGED).enforceSsl(true)
                        .retentionPeriod(Duration.days(14)).build()
                : Queue.fromQueueArn(scope, id + "Failed", stream.onFailure());
        EventSourceMapping.Builder m = EventSourceMapping.Builder.create(scope, id + "Mapping")
                .target(runtime)
                .batchSize(stream.batchSize())
                .startingPosition(StartingPosition.valueOf(stream.startingPosition()))
                .onFailure(new SqsDlq(failed));
        if (stream.batchingWindowSeconds() > 0) {
            m.maxBatchingWindow(Duration.seconds(stream.batchingWindowSeconds()));
        }
        if (!stream.kafka() || stream.provisioned()) {
            m.reportBatchItemFailures(true).bisectBatchOnError(stream.bisectOnError());
            // -1 (retry until the records expire) is Lambda's default, which CDK takes as no setting at all
            if (stream.maximumRetries() != null && stream.maximumRetries() >= 0) {
                m.retryAttempts(stream.maximumRetries());
            }
        }
        if (stream.kafka()) {
            m.kafkaTopic(b.topic()).kafkaConsumerGroupId(stream.consumerGroup());
            if (b.arn() != null) {
                m.eventSourceArn(b.arn());
                allowMsk(role, b.arn(), b.topic(), stream.consumerGroup());
            } else {
                m.kafkaBootstrapServers(List.of(b.bootstrapServers().split(",")));
            }
            if (stream.provisioned()) {
                m.provisionedPollerConfig(ProvisionedPollerConfig.builder()
                        .minimumPollers(stream.minPollers()).maximumPollers(stream.maxPollers()).build());
            }
        } else {
            m.eventSourceArn(b.arn()).parallelizationFactor(stream.parallelizationFactor());
            role.addToPrincipalPolicy(PolicyStatement.Builder.create().sid("ReadStream" + camel(b.name()))
                    .actions(List.of("kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords",
                            "kinesis:GetShardIterator", "kinesis:ListShards"))
                    .resources(List.of(b.arn())).build());
        }
        m.build();
    }

    private static void allowMsk(Role role, String clusterArn, String topic, String group) {
        String topicArn = clusterArn.replace(":cluster/", ":topic/") + "/" + topic;
        String groupArn = clusterArn.replace(":cluster/", ":group/") + "/" + group;
        String sid = camel(clusterArn.substring(clusterArn.indexOf(":cluster/") + 9).replace('/', '-')) + camel(topic);
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().sid("MskCluster" + sid)
                .actions(List.of("kafka-cluster:Connect", "kafka-cluster:DescribeClusterDynamicConfiguration",
                        "kafka:DescribeClusterV2", "kafka:GetBootstrapBrokers"))
                .resources(List.of(clusterArn)).build());
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().sid("MskTopic" + sid)
                .actions(List.of("kafka-cluster:DescribeTopic", "kafka-cluster:ReadData")).resources(List.of(topicArn)).build());
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().sid("MskGroup" + sid)
                .actions(List.of("kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup")).resources(List.of(groupArn)).build());
        String ec2 = "arn:" + Aws.PARTITION + ":ec2:" + Aws.REGION + ":" + Aws.ACCOUNT_ID + ":";
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().sid("MskNetworkInterfaces" + sid)
                .actions(List.of("ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"))
                .resources(List.of(ec2 + "network-interface/*", ec2 + "subnet/*", ec2 + "security-group/*")).build());
        role.addToPrincipalPolicy(PolicyStatement.Builder.create().sid("MskDescribeNetwork" + sid)
                .actions(EC2_DESCRIBE).resources(List.of("*")).build());
    }

    /** The EC2 reads Lambda needs for an MSK cluster's VPC; EC2 has no resource-level permissions for them. */
    static final List<String> EC2_DESCRIBE = List.of("ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs",
            "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups");

    private static String camel(String name) {
        StringBuilder b = new StringBuilder();
        for (String part : name.split("[^A-Za-z0-9]+")) {
            if (!part.isEmpty()) {
                b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        return b.toString();
    }
}
