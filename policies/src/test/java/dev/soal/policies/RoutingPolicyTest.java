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
    void lambdaDecisions_spillOverToTheFirstConfiguredCluster_orThePoliciesBackend_orNowhereWhenOff() {
        assertThat(embedded.decide(request("s3://soal-data/a.csv", Map.of()), measured("12MB")).spillTo())
                .isEqualTo(Backend.STANDALONE);
        RoutingPolicy aws = new RoutingPolicy(policies, Set.of(Backend.LAMBDA, Backend.EMR_SERVERLESS, Backend.GLUE));
        assertThat(aws.decide(request("s3://soal-data/a.csv", Map.of()), measured("12MB")).spillTo())
                .isEqualTo(Backend.EMR_SERVERLESS);
        assertThat(aws.decide(request("s3://soal-data/a.csv", Map.of()), measured("2GB")).spillTo()).isNull();
        assertThat(new RoutingPolicy(with(new Policies.SpillOver(true, Backend.GLUE)), aws.available())
                .decide(request("s3://soal-data/a.csv", Map.of()), measured("12MB")).spillTo()).isEqualTo(Backend.GLUE);
        // a named backend this router cannot reach: no spill-over rather than another backend nobody chose
        assertThat(new RoutingPolicy(with(new Policies.SpillOver(true, Backend.GLUE)), embedded.available())
                .decide(request("s3://soal-data/a.csv", Map.of()), measured("12MB")).spillTo()).isNull();
        assertThat(new RoutingPolicy(with(new Policies.SpillOver(false, null)), aws.available())
                .decide(request("s3://soal-data/a.csv", Map.of()), measured("12MB")).spillTo()).isNull();
        assertThat(new RoutingPolicy(policies, Set.of(Backend.LAMBDA))
                .decide(request("s3://soal-data/a.csv", Map.of()), measured("12MB")).spillTo()).isNull();
    }

    @Test
    void aGzipCsv_isMeasuredAsItsEstimateAsRead_andRoutedByIt() {
        Measurement gz = new Measurement(Sizes.parse("300MB"), 1, 0, Map.of("csv.gzip", Sizes.parse("300MB")));
        RoutingDecision d = embedded.decide(request("s3://soal-data/a.csv.gz", Map.of()), gz);
        assertThat(d.backend()).isEqualTo(Backend.STANDALONE);
        assertThat(d.reasons().get(0)).isEqualTo("input 300 MB (csv.gzip x4: 1.2 GB as read) > lambda.maxInputBytes 400 MB -> standalone");
        // 60 MB of gzip CSV reads like 240 MB: the larger tier
        Measurement small = new Measurement(Sizes.parse("60MB"), 1, 0, Map.of("csv.gzip", Sizes.parse("60MB")));
        RoutingDecision s = embedded.decide(request("s3://soal-data/a.csv.gz", Map.of()), small);
        assertThat(s.backend()).isEqualTo(Backend.LAMBDA);
        assertThat(s.lambdaMemoryMb()).isEqualTo(4096);
        assertThat(s.reasons()).containsExactly("input 60 MB (csv.gzip x4: 240 MB as read) <= lambda.maxInputBytes 400 MB -> lambda",
                "lambda memory 4096 MB (tier up to 400 MB)");
        // the same bytes of plain CSV, and a policy that says gzip is x1 here, stay as they are
        assertThat(embedded.decide(request("s3://soal-data/a.csv", Map.of()),
                new Measurement(Sizes.parse("300MB"), 1, 0, Map.of("csv", Sizes.parse("300MB")))).backend()).isEqualTo(Backend.LAMBDA);
        Policies.LambdaPolicy l = policies.lambda();
        Policies flat = new Policies(new Policies.LambdaPolicy(l.maxInputBytes(), l.memory(), l.timeoutSeconds(), l.spillOver(),
                new Policies.Expansion(Map.of("gzip", 1.0))), policies.clusterOrder(), policies.rules(), policies.allowlists(),
                policies.emrServerless(), policies.glue(), policies.fallback(), policies.triggers(), policies.tables(), policies.streams());
        assertThat(new RoutingPolicy(flat, embedded.available()).decide(request("s3://soal-data/a.csv.gz", Map.of()), gz).backend())
                .isEqualTo(Backend.LAMBDA);
    }

    @Test
    void mixedFormats_addUpEachAtItsFactor() {
        Policies.Expansion e = Policies.Expansion.ofDefaults();
        Measurement m = new Measurement(400, 4, 0, Map.of("parquet", 100L, "csv", 100L, "json.zstd", 100L, "marker", 100L));
        assertThat(e.estimate(m)).isEqualTo(100 * 3 + 100 + 100 * 4 + 100);
        assertThat(e.factor("text.bzip2")).isEqualTo(5.0);
        assertThat(e.factor("unknown")).isEqualTo(1.0);
    }

    private Policies with(Policies.SpillOver spill) {
        Policies.LambdaPolicy l = policies.lambda();
        return new Policies(new Policies.LambdaPolicy(l.maxInputBytes(), l.memory(), l.timeoutSeconds(), spill),
                policies.clusterOrder(), policies.rules(), policies.allowlists(), policies.emrServerless(), policies.glue(),
                policies.fallback(), policies.triggers(), policies.tables(), policies.streams());
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
    void inAws_largeInputGoesToTheClusterPredictedCheapest_orWithChooseOrderToTheFirstOfOrder() {
        Set<Backend> all = Set.of(Backend.LAMBDA, Backend.EMR_SERVERLESS, Backend.GLUE);
        RoutingDecision cheapest = new RoutingPolicy(policies, all).decide(request("s3://soal-data/a.csv", Map.of()), measured("2GB"));
        assertThat(cheapest.backend()).isEqualTo(Backend.GLUE);
        assertThat(cheapest.reasons()).last().asString().startsWith("no deadline: predicted emr-serverless ")
                .endsWith(" -> the cheapest is glue");
        assertThat(cheapest.predictions()).extracting(dev.soal.core.Prediction::backend)
                .containsExactly(Backend.GLUE, Backend.EMR_SERVERLESS);
        RoutingDecision ordered = new RoutingPolicy(policies.withClustersByCost(false), all)
                .decide(request("s3://soal-data/a.csv", Map.of()), measured("2GB"));
        assertThat(ordered.backend()).isEqualTo(Backend.EMR_SERVERLESS);
        assertThat(ordered.predictions()).isEmpty();
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
