package dev.soal.policies;

import dev.soal.core.Backend;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.Measurement;
import dev.soal.core.PastRun;
import dev.soal.core.ResourceExhaustion;
import dev.soal.core.RoutingDecision;
import dev.soal.core.RunUsage;
import dev.soal.core.Sizes;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Decisions from what past runs of a script took: the policies' rules still win, then size, then history. */
class HistoryRuleTest {
    private static final long MB = 1024 * 1024;
    private static final Instant T = Instant.parse("2026-12-07T12:00:00Z");
    private final Policies policies = PolicyLoader.defaults();
    private final RoutingPolicy embedded = new RoutingPolicy(policies, Set.of(Backend.LAMBDA, Backend.STANDALONE));

    /** A run on the 2048 MB tier: its input, duration, and heap at start and peak (of a 1,638 MB heap). */
    private static PastRun lambdaRun(String id, long inputMb, long millis, long startHeapMb, long peakHeapMb) {
        return new PastRun(id, T, Backend.LAMBDA, 2048, inputMb * MB, inputMb * MB, millis, JobState.SUCCEEDED,
                new RunUsage(startHeapMb * MB, peakHeapMb * MB, 1638 * MB, 0, 10_240 * MB, 10, 100), null, null, null);
    }

    private RoutingDecision decide(long inputMb, List<PastRun> history) {
        return embedded.decide(new JobRequest("s3://soal-data/a.sql".replace("data", "scripts"), null,
                        List.of("s3://soal-data/daily/a.csv"), null, null, null, null, null),
                new Measurement(inputMb * MB, 1, 0, Map.of("csv", inputMb * MB)), history);
    }

    @Test
    void aScriptThatRanInSecondsAt10MB_keepsItsSmallTierAt40MB_andSaysSo() {
        RoutingDecision d = decide(40, List.of(lambdaRun("j1", 10, 4_000, 250, 400)));
        assertThat(d.backend()).isEqualTo(Backend.LAMBDA);
        assertThat(d.lambdaMemoryMb()).isEqualTo(2048);
        // the heap above its start grows with the input: 250 + 150 x 4 = 850 MB of 1,638; 16 s of 900
        assertThat(d.reasons().get(1)).isEqualTo("history: 1 run(s) of this script on inputs like these (up to 10 MB as read)"
                + " predict 52% of the heap, 2% of the timeout and 0% of /tmp at 40 MB as read -> keeps lambda 2048 MB");
    }

    @Test
    void runsOnFarSmallerInputs_sayNothingOfThisOne_andTheSizeRuleHolds() {
        // a 1 MB run whose heap grew by 200 MB (Spark's own baseline, mostly) would predict 10 GB at 50 MB scaled by bytes
        List<PastRun> tiny = List.of(lambdaRun("j1", 1, 1_600, 250, 450));
        RoutingDecision d = decide(50, tiny);
        assertThat(d.backend()).isEqualTo(Backend.LAMBDA);
        assertThat(d.reasons()).noneMatch(r -> r.startsWith("history:"));
        // a quarter of this job's size is near enough to scale
        RoutingDecision near = decide(4, tiny);
        assertThat(near.reasons()).anyMatch(r -> r.startsWith("history: 1 run(s)"));
        // a run of an empty input of the same shape cannot be scaled at all, below the threshold or beyond it
        List<PastRun> empty = List.of(lambdaRun("j2", 0, 30_000, 250, 500));
        assertThat(decide(50, empty).reasons()).noneMatch(r -> r.startsWith("history:"));
        assertThat(decide(900, empty).backend()).isEqualTo(Backend.STANDALONE);
    }

    @Test
    void aScriptThatCameNearTheHeap_getsABiggerTier_andNearTheTimeout_goesToTheCluster() {
        RoutingDecision bigger = decide(30, List.of(lambdaRun("j1", 30, 60_000, 300, 1_400)));
        assertThat(bigger.backend()).isEqualTo(Backend.LAMBDA);
        assertThat(bigger.lambdaMemoryMb()).isEqualTo(4096);
        assertThat(bigger.reasons().get(1)).contains("within 20% of the heap -> lambda 4096 MB (43% of its heap)");

        RoutingDecision slow = decide(30, List.of(lambdaRun("j2", 30, 750_000, 300, 500)));
        assertThat(slow.backend()).isEqualTo(Backend.STANDALONE);
        assertThat(slow.reasons().get(1)).endsWith("within 20% of the function timeout (900 s) -> standalone");
        assertThat(slow.inputBytesAsRead()).isEqualTo(30 * MB);
    }

    @Test
    void aScriptWhoseLastRunSpilledOver_goesToTheClusterDirectly_unlessItsInputIsFarSmallerNow() {
        PastRun spilled = new PastRun("j3", T, Backend.STANDALONE, 0, 200 * MB, 200 * MB, 90_000, JobState.SUCCEEDED,
                null, ResourceExhaustion.Kind.MEMORY, 2048, 60_000L);
        RoutingDecision d = decide(150, List.of(spilled));
        assertThat(d.backend()).isEqualTo(Backend.STANDALONE);
        assertThat(d.reasons().get(1)).isEqualTo("history: its last run (job j3, 200 MB as read) spilled over from lambda"
                + " 2048 MB (memory ran out) -> standalone");
        assertThat(decide(20, List.of(spilled)).backend()).isEqualTo(Backend.LAMBDA);
    }

    @Test
    void rulesInThePolicies_stillWin_andNoHistory_leavesTheSizeRule() {
        RoutingDecision tagged = embedded.decide(new JobRequest("s3://soal-scripts/a.sql", null, List.of("s3://soal-data/a.csv"),
                        null, null, Map.of("path", "lambda"), null, null),
                new Measurement(30 * MB, 1, 0), List.of(lambdaRun("j2", 30, 750_000, 300, 500)));
        assertThat(tagged.backend()).isEqualTo(Backend.LAMBDA);
        assertThat(tagged.reasons()).noneMatch(r -> r.startsWith("history"));
        assertThat(decide(30, List.of()).reasons()).noneMatch(r -> r.startsWith("history"));
        // without a cluster, history that says "too near" keeps Lambda and says why
        RoutingDecision alone = new RoutingPolicy(policies, Set.of(Backend.LAMBDA)).decide(new JobRequest("s3://soal-scripts/a.sql",
                null, List.of("s3://soal-data/a.csv"), null, null, null, null, null), new Measurement(30 * MB, 1, 0),
                List.of(lambdaRun("j2", 30, 750_000, 300, 500)));
        assertThat(alone.backend()).isEqualTo(Backend.LAMBDA);
        assertThat(alone.reasons().get(1)).contains("but no cluster backend is configured here -> lambda 2048 MB");
        assertThat(Sizes.format(alone.inputBytesAsRead())).isEqualTo("30 MB");
    }
    @Test
    void aScriptThatLeftRoomOnLambdaAtAQuarterOfThisSize_runsThereBeyondTheThreshold_withSpillOverAsItsNet() {
        List<PastRun> history = List.of(lambdaRun("j1", 300, 30_000, 250, 500));
        RoutingDecision d = decide(900, history);
        assertThat(d.backend()).isEqualTo(Backend.LAMBDA);
        assertThat(d.lambdaMemoryMb()).isEqualTo(2048);
        assertThat(d.spillTo()).isEqualTo(Backend.STANDALONE);
        // 250 + 250 x 3 = 1,000 MB of 1,638; 90 s of 900
        assertThat(d.reasons()).containsExactly("input 900 MB > lambda.maxInputBytes 400 MB",
                "history: 1 run(s) of this script on lambda (up to 300 MB as read) predict 61% of the heap, 10% of the timeout"
                        + " and 0% of /tmp at 900 MB as read -> lambda 2048 MB (spills over if it runs out)",
                "lambda memory 2048 MB");
        // a heap that would fill the 2048 MB tier's asks for the next tier up
        assertThat(decide(900, List.of(lambdaRun("j1", 300, 30_000, 250, 700))).lambdaMemoryMb()).isEqualTo(4096);
    }

    @Test
    void beyondTheThreshold_historyDoesNotReachFarOrPastASpill_andNeverWithoutSpillOver() throws Exception {
        List<PastRun> room = List.of(lambdaRun("j1", 300, 30_000, 250, 500));
        // more than four times the largest run that left room: the size rule decides
        assertThat(decide(1300, room).backend()).isEqualTo(Backend.STANDALONE);
        // small runs say too little of a large input
        assertThat(decide(900, List.of(lambdaRun("j0", 10, 1_000, 250, 260))).backend()).isEqualTo(Backend.STANDALONE);
        // a recent run of it spilled over at a similar size
        PastRun spilled = new PastRun("j2", T.plusSeconds(60), Backend.STANDALONE, 0, 1_000 * MB, 1_000 * MB, 90_000,
                JobState.SUCCEEDED, null, ResourceExhaustion.Kind.MEMORY, 2048, 60_000L);
        assertThat(decide(900, List.of(spilled, room.get(0))).backend()).isEqualTo(Backend.STANDALONE);
        // near the timeout at this size
        assertThat(decide(900, List.of(lambdaRun("j3", 300, 250_000, 250, 500))).backend()).isEqualTo(Backend.STANDALONE);
        // without spill-over a wrong guess would fail the job: the threshold holds
        Policies noSpill;
        try (java.io.InputStream in = PolicyLoader.class.getResourceAsStream("policies.yaml")) {
            noSpill = PolicyLoader.parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                    .replace("spillOver: true", "spillOver: false"), "policies.yaml");
        }
        RoutingDecision held = new RoutingPolicy(noSpill, Set.of(Backend.LAMBDA, Backend.STANDALONE)).decide(
                new JobRequest("s3://soal-scripts/a.sql", null, List.of("s3://soal-data/daily/a.csv"), null, null, null, null, null),
                new Measurement(900 * MB, 1, 0, Map.of("csv", 900 * MB)), room);
        assertThat(held.backend()).isEqualTo(Backend.STANDALONE);
        assertThat(held.reasons()).noneMatch(r -> r.startsWith("history"));
    }
}
