package dev.soal.policies;

import dev.soal.core.Backend;
import dev.soal.core.JobRejectedException;
import dev.soal.core.JobRequest;
import dev.soal.core.Measurement;
import dev.soal.core.RoutingDecision;
import dev.soal.core.Sizes;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RoutingPolicyTest {
    private final Policies policies = PolicyLoader.defaults();
    private final RoutingPolicy embedded = new RoutingPolicy(policies, Set.of(Backend.LAMBDA, Backend.STANDALONE));

    @Test
    void smallInput_goesToLambda_withMemoryFromItsTier() {
        RoutingDecision d = embedded.decide(request("s3://soal-data/a.csv", Map.of()), measured("12MB"));
        assertThat(d.backend()).isEqualTo(Backend.LAMBDA);
        assertThat(d.lambdaMemoryMb()).isEqualTo(2048);
        assertThat(d.reasons()).containsExactly("input 12 MB <= lambda.maxInputBytes 400 MB -> lambda",
                "lambda memory 2048 MB (tier up to 64 MB)");
    }

    @Test
    void largeInput_goesToFirstConfiguredCluster_andSaysWhy() {
        RoutingDecision d = embedded.decide(request("s3://soal-data/a.csv", Map.of()), measured("512.3MB"));
        assertThat(d.backend()).isEqualTo(Backend.STANDALONE);
        assertThat(d.reasons()).containsExactly(
                "input 512.3 MB > lambda.maxInputBytes 400 MB -> standalone",
                "clusters.order [emr-serverless, glue, standalone]: emr-serverless, glue not configured here;"
                        + " first configured is standalone");
    }

    @Test
    void inAws_largeInputGoesToEmrServerless() {
        RoutingPolicy aws = new RoutingPolicy(policies, Set.of(Backend.LAMBDA, Backend.EMR_SERVERLESS, Backend.GLUE));
        assertThat(aws.decide(request("s3://soal-data/a.csv", Map.of()), measured("2GB")).backend())
                .isEqualTo(Backend.EMR_SERVERLESS);
    }

    @Test
    void rules_overrideSize_firstMatchWins() {
        RoutingDecision d = embedded.decide(request("s3://soal-data/a.csv", Map.of("path", "lambda")), measured("1GB"));
        assertThat(d.backend()).isEqualTo(Backend.LAMBDA);
        assertThat(d.reasons().get(0)).isEqualTo("rule 'always-small' (tags {path=lambda}) matched -> lambda");
    }

    @Test
    void ruleForAnUnconfiguredBackend_fallsBackToSize() {
        RoutingDecision d = embedded.decide(request("s3://soal-data/nightly/x.csv", Map.of()), measured("1MB"));
        assertThat(d.backend()).isEqualTo(Backend.LAMBDA);
        assertThat(d.reasons().get(0)).contains("emr-serverless is not configured here; routing by size");
    }

    @Test
    void smallInputWithoutLambda_goesToACluster() {
        RoutingPolicy clusterOnly = new RoutingPolicy(policies, Set.of(Backend.GLUE));
        assertThat(clusterOnly.decide(request("s3://soal-data/a.csv", Map.of()), measured("1MB")).reasons().get(0))
                .isEqualTo("input 1 MB <= lambda.maxInputBytes 400 MB, but lambda is not configured here -> glue");
    }

    @Test
    void noBackendAvailable_rejectsWithReasons() {
        RoutingPolicy none = new RoutingPolicy(policies, Set.of(Backend.LAMBDA));
        assertThatThrownBy(() -> none.decide(request("s3://soal-data/a.csv", Map.of()), measured("1GB")))
                .isInstanceOf(JobRejectedException.class)
                .hasMessageContaining("no backend can run this job");
    }

    @Test
    void allowlists_rejectForeignBuckets() {
        assertThatThrownBy(() -> embedded.checkAllowed(request("s3://other-bucket/a.csv", Map.of())))
                .isInstanceOf(JobRejectedException.class)
                .hasMessage("input s3://other-bucket/a.csv is in bucket 'other-bucket', which is not in allowlists.inputBuckets [soal-data]");
        JobRequest badScript = new JobRequest("s3://evil-scripts/x.sql", null, List.of("s3://soal-data/a.csv"),
                null, null, null, null, null);
        assertThatThrownBy(() -> embedded.checkAllowed(badScript)).hasMessageContaining("allowlists.scriptBuckets");
    }

    private static JobRequest request(String input, Map<String, String> tags) {
        return new JobRequest("s3://soal-scripts/job.sql", null, List.of(input), null, null, tags, null, null);
    }

    private static Measurement measured(String size) {
        return new Measurement(Sizes.parse(size), 1, 0);
    }
}
