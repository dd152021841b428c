package dev.soal.policies;

import dev.soal.core.Backend;
import dev.soal.core.JobRequest;
import dev.soal.core.Measurement;
import dev.soal.core.Prediction;
import dev.soal.core.RoutingDecision;
import dev.soal.core.Sizes;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** A job with a deadline goes to the cheapest backend predicted to meet it; the reasons show every prediction. */
class DeadlineTest {
    private final Policies policies = PolicyLoader.defaults();
    private final Set<Backend> aws = Set.of(Backend.LAMBDA, Backend.EMR_SERVERLESS, Backend.GLUE);

    private static JobRequest request(Duration deadline) {
        return new JobRequest("s3://soal-scripts/a.sql", null, List.of("s3://soal-data/a.csv"), null, null, null, null, null)
                .withDeadline(deadline);
    }

    private static Measurement size(String size) {
        return new Measurement(Sizes.parse(size), 1, 0);
    }

    private Policies withGlue(Policies.GluePolicy glue) {
        return new Policies(policies.lambda(), policies.clusterOrder(), policies.rules(), policies.allowlists(),
                policies.emrServerless(), glue, policies.fallback(), policies.triggers(), policies.tables(), policies.streams());
    }

    @Test
    void aSmallJob_staysOnLambda_theCheapestToMeetIt_withEveryPredictionInItsReasons() {
        RoutingDecision d = new RoutingPolicy(policies, aws).decide(request(Duration.ofMinutes(20)), size("12MB"), List.of());
        assertThat(d.backend()).isEqualTo(Backend.LAMBDA);
        assertThat(d.lambdaMemoryMb()).isEqualTo(2048);
        assertThat(d.spillTo()).isEqualTo(Backend.EMR_SERVERLESS);
        assertThat(d.predictions()).extracting(Prediction::backend)
                .containsExactly(Backend.LAMBDA, Backend.EMR_SERVERLESS, Backend.GLUE);
        assertThat(d.reasons()).last().asString().startsWith("deadline 20 m 00 s: predicted lambda 2048 MB ")
                .contains(", emr-serverless ", ", glue ").endsWith(" -> the cheapest to meet it is lambda");
    }

    @Test
    void aLargeJob_goesToTheCheaperCluster_unlessOnlyTheDearerOneMeetsTheDeadline() {
        // FLEX: the cheaper rate, but it may wait minutes for capacity
        RoutingPolicy flex = new RoutingPolicy(withGlue(new Policies.GluePolicy("G.1X", 10, 120, "FLEX")), aws);
        RoutingDecision relaxed = flex.decide(request(Duration.ofMinutes(20)), size("2GB"), List.of());
        assertThat(relaxed.backend()).isEqualTo(Backend.GLUE);
        assertThat(relaxed.predictions()).extracting(Prediction::backend).containsExactly(Backend.GLUE, Backend.EMR_SERVERLESS);
        assertThat(relaxed.reasons()).last().asString().endsWith("-> the cheapest to meet it is glue");

        RoutingDecision tight = flex.decide(request(Duration.ofMinutes(2)), size("2GB"), List.of());
        assertThat(tight.backend()).isEqualTo(Backend.EMR_SERVERLESS);
        assertThat(tight.predictions().get(0).totalMillis()).isLessThanOrEqualTo(120_000);
        assertThat(tight.predictions().get(1).totalMillis()).isGreaterThan(120_000);
        assertThat(tight.predictions().get(0).cost().usd()).isGreaterThan(tight.predictions().get(1).cost().usd());

        RoutingDecision none = flex.decide(request(Duration.ofSeconds(5)), size("2GB"), List.of());
        assertThat(none.backend()).isEqualTo(Backend.EMR_SERVERLESS);
        assertThat(none.reasons()).last().asString().endsWith("-> none is predicted to meet it; the fastest is emr-serverless");
    }

    @Test
    void preInitializedCapacity_startsEmrServerlessInSeconds_soItMeetsADeadlineAColdApplicationWouldMiss() {
        Policies.EmrPolicy e = policies.emrServerless();
        Policies warm = new Policies(policies.lambda(), policies.clusterOrder(), policies.rules(), policies.allowlists(),
                new Policies.EmrPolicy(e.driverCores(), e.driverMemory(), e.executorCores(), e.executorMemory(), e.maxExecutors(),
                        e.timeoutMinutes(), e.concurrentJobs(), new Policies.InitialCapacity(1, 4)),
                policies.glue(), policies.fallback(), policies.triggers(), policies.tables(), policies.streams());
        Set<Backend> emrOnly = Set.of(Backend.LAMBDA, Backend.EMR_SERVERLESS);
        RoutingDecision cold = new RoutingPolicy(policies, emrOnly).decide(request(Duration.ofSeconds(60)), size("2GB"), List.of());
        RoutingDecision hot = new RoutingPolicy(warm, emrOnly).decide(request(Duration.ofSeconds(60)), size("2GB"), List.of());
        assertThat(cold.predictions().get(0).startMillis()).isEqualTo(Predictor.EMR_START_MS);
        assertThat(cold.reasons()).last().asString().endsWith("-> none is predicted to meet it; the fastest is emr-serverless");
        assertThat(hot.predictions().get(0).startMillis()).isEqualTo(Predictor.EMR_PREINITIALIZED_START_MS);
        assertThat(hot.predictions().get(0).totalMillis()).isLessThan(60_000);
        assertThat(hot.reasons()).last().asString().endsWith("-> the cheapest to meet it is emr-serverless");
    }

    @Test
    void aWarmLambdaEnvironment_isPredictedToStartInWellUnderASecond_whereTheRouterCanTellOne() {
        RoutingDecision cold = new RoutingPolicy(policies, aws).decide(request(Duration.ofMinutes(20)), size("12MB"), List.of());
        RoutingDecision warm = new RoutingPolicy(policies, aws, memoryMb -> memoryMb == 2048)
                .decide(request(Duration.ofMinutes(20)), size("12MB"), List.of());
        assertThat(cold.predictions().get(0).startMillis()).isEqualTo(Predictor.LAMBDA_COLD_MS);
        assertThat(warm.predictions().get(0).startMillis()).isEqualTo(Predictor.LAMBDA_WARM_MS);
        assertThat(warm.predictions().get(0).basis()).startsWith("a warm environment; default: ");
        // a warm environment of another tier says nothing of this one
        assertThat(new RoutingPolicy(policies, aws, memoryMb -> memoryMb == 4096).decide(request(Duration.ofMinutes(20)),
                size("12MB"), List.of()).predictions().get(0).startMillis()).isEqualTo(Predictor.LAMBDA_COLD_MS);
    }

    @Test
    void withoutADeadline_aJobThatFitsLambdaIsNotWeighed_andTheRulesStillWin() {
        RoutingDecision small = new RoutingPolicy(policies, aws).decide(request(null), size("20MB"), List.of());
        assertThat(small.backend()).isEqualTo(Backend.LAMBDA);
        assertThat(small.predictions()).isEmpty();
        RoutingDecision plain = new RoutingPolicy(policies.withClustersByCost(false), aws).decide(request(null), size("2GB"), List.of());
        assertThat(plain.backend()).isEqualTo(Backend.EMR_SERVERLESS);
        assertThat(plain.predictions()).isEmpty();
        JobRequest tagged = new JobRequest("s3://soal-scripts/a.sql", null, List.of("s3://soal-data/a.csv"), null, null,
                java.util.Map.of("path", "lambda"), null, null).withDeadline(Duration.ofSeconds(5));
        RoutingDecision rule = new RoutingPolicy(policies, aws).decide(tagged, size("1GB"), List.of());
        assertThat(rule.backend()).isEqualTo(Backend.LAMBDA);
        assertThat(rule.reasons()).contains("deadline 5 s: the rule decides");
    }

    @Test
    void withClustersChosenByCost_aLargeJobGoesToTheCheaperCluster_atItsSize() {
        RoutingPolicy byCost = new RoutingPolicy(policies.withClustersByCost(true), aws);
        RoutingDecision twoGb = byCost.decide(request(null), size("2GB"), List.of());
        // both bill a minute at least: Glue's 10 DPU cost less than EMR Serverless' 84 vCPU
        assertThat(twoGb.backend()).isEqualTo(Backend.GLUE);
        assertThat(twoGb.reasons()).last().asString().startsWith("no deadline: predicted emr-serverless ")
                .endsWith("-> the cheapest is glue");
        // at 500 GB EMR Serverless' 80 executor vCPUs finish sooner than Glue's 36 do, for less
        assertThat(byCost.decide(request(null), size("500GB"), List.of()).backend()).isEqualTo(Backend.EMR_SERVERLESS);
        // a job that fits Lambda stays there, unweighed
        assertThat(byCost.decide(request(null), size("12MB"), List.of()).predictions()).isEmpty();
        // cheapest is the default; order has to be asked for
        assertThat(PolicyLoader.parse(PolicyLoaderTest.VALID, "p.yaml").clustersByCost()).isTrue();
        assertThat(PolicyLoader.parse(PolicyLoaderTest.VALID.replace("order: [emr-serverless, glue, standalone]",
                "order: [emr-serverless, glue, standalone]\n  choose: order"), "p.yaml").clustersByCost()).isFalse();
    }

    @Test
    void lambdaPredictedPastItsFunctionTimeout_isNoCandidate() {
        Policies.LambdaPolicy l = policies.lambda();
        Policies shortTimeout = new Policies(new Policies.LambdaPolicy(l.maxInputBytes(), l.memory(), 5, l.spillOver(),
                l.expansion()), policies.clusterOrder(), policies.rules(), policies.allowlists(), policies.emrServerless(),
                policies.glue(), policies.fallback(), policies.triggers(), policies.tables(), policies.streams());
        // 390 MB at 4,096 MB (2.3 vCPU): about 8 s of work, past a 5 s timeout
        RoutingDecision d = new RoutingPolicy(shortTimeout, aws).decide(request(Duration.ofHours(1)), size("390MB"), List.of());
        assertThat(d.predictions()).extracting(Prediction::backend).doesNotContain(Backend.LAMBDA);
        assertThat(d.backend()).isNotEqualTo(Backend.LAMBDA);
    }

    @Test
    void predictions_useTheScriptsHistoryOnABackend_whenItHasOne() {
        Predictor p = new Predictor(policies, 2);
        long mb = 1024 * 1024;
        dev.soal.core.PastRun slow = new dev.soal.core.PastRun("j", java.time.Instant.now(), Backend.GLUE, 0, 100 * mb, 100 * mb,
                600_000, dev.soal.core.JobState.SUCCEEDED, null, null, null, null);
        Prediction fromHistory = p.cluster(Backend.GLUE, 200 * mb, List.of(slow));
        assertThat(fromHistory.runMillis()).isEqualTo(1_200_000);
        assertThat(fromHistory.basis()).isEqualTo("history: 1 run(s), 600.00 s per 100 MB");
        assertThat(p.cluster(Backend.GLUE, 200 * mb, List.of()).basis()).isEqualTo("default: 20 MB/s per vCPU x 36.0 vCPU");
        // Glue bills at least a minute of its DPUs: 10 x $0.44/h
        assertThat(p.cluster(Backend.GLUE, mb, List.of()).cost().usd()).isCloseTo(10 * 0.44 / 60, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(p.lambda(2048, 100 * mb, List.of()).cost().usd()).isPositive();
    }
}
