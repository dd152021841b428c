package dev.soal.router;

import dev.soal.adapters.s3.S3JobStore;
import dev.soal.core.Backend;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.PastRun;
import dev.soal.core.RunHistory;
import dev.soal.core.RunUsage;
import dev.soal.core.RuntimeAttempts;
import dev.soal.core.S3Uri;
import dev.soal.policies.PolicyLoader;
import dev.soal.policies.RoutingPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** The run history on a real S3 server: kept by key, bounded, written by whoever counts an end, read by the router. */
class RunHistoryTest {
    private static EmbeddedS3Fixture s3;

    @BeforeAll
    static void start() throws Exception {
        s3 = EmbeddedS3Fixture.forJobs();
        s3.put("soal-data", "daily/dt=2026-12-06/part-0.csv.gz", "x".repeat(1000));
        s3.put("soal-data", "daily/dt=2026-12-07/part-0.csv.gz", "x".repeat(4000));
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    private static PastRun run(String id, Instant at) {
        return new PastRun(id, at, Backend.LAMBDA, 2048, 10, 40, 1000, JobState.SUCCEEDED,
                new RunUsage(1, 2, 3, 0, 0, 5, 6), null, null, null);
    }

    @Test
    void keepsTheNewestRunsOfAKey_oncePerJob_atMostTwenty_andTwoWritersAtOnceLoseNothing() throws Exception {
        RunHistory h = new S3JobStore(s3.s3, S3Uri.parse("s3://soal-jobs/history-bounds/")).history();
        RunHistory.Key key = new RunHistory.Key("s3://soal-scripts/job.sql", "\"etag-1\"", "s3://soal-data/daily/dt=#-#-#/", "csv.gzip");
        RunHistory.Key other = new RunHistory.Key("s3://soal-scripts/job.sql", "\"etag-2\"", "s3://soal-data/daily/dt=#-#-#/", "csv.gzip");
        assertThat(h.recent(key)).isEmpty();
        Instant t = Instant.parse("2026-12-07T00:00:00Z");
        ExecutorService two = Executors.newFixedThreadPool(2);
        List<Future<?>> writes = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            int n = i;
            writes.add(two.submit(() -> h.record(key, run("a" + n, t.plusSeconds(n)))));
            writes.add(two.submit(() -> h.record(key, run("b" + n, t.plusSeconds(n).plusMillis(500)))));
        }
        for (Future<?> f : writes) {
            f.get();
        }
        two.shutdown();
        List<PastRun> runs = h.recent(key);
        assertThat(runs).hasSize(RunHistory.KEPT);
        assertThat(runs.get(0).jobId()).isEqualTo("b11");
        assertThat(runs).isSortedAccordingTo(java.util.Comparator.comparing(PastRun::endedAt).reversed());
        h.record(key, run("b11", t.plusSeconds(11).plusMillis(500)));
        assertThat(h.recent(key)).hasSize(RunHistory.KEPT).extracting(PastRun::jobId).doesNotHaveDuplicates();
        // a new version of the script starts a history of its own
        assertThat(h.recent(other)).isEmpty();
    }

    @Test
    void theLargestRunThatSucceededOnLambda_isKeptPastTheNewestTwenty_untilALargerOneSucceeds() {
        RunHistory h = new S3JobStore(s3.s3, S3Uri.parse("s3://soal-jobs/history-reach/")).history();
        RunHistory.Key key = new RunHistory.Key("s3://soal-scripts/reach.sql", "\"etag-1\"", "s3://soal-data/daily/", "parquet");
        Instant t = Instant.parse("2026-12-07T00:00:00Z");
        h.record(key, new PastRun("big", t, Backend.LAMBDA, 4096, 300L << 20, 990L << 20, 60_000, JobState.SUCCEEDED,
                new RunUsage(1, 2, 3, 0, 0, 5, 6), null, null, null));
        // a larger run that failed says nothing of how far Lambda reaches
        h.record(key, new PastRun("failed", t.plusSeconds(1), Backend.LAMBDA, 4096, 400L << 20, 1200L << 20, 60_000,
                JobState.FAILED, null, null, null, null));
        for (int i = 0; i < 25; i++) {
            h.record(key, run("small" + i, t.plusSeconds(10 + i)));
        }
        List<PastRun> runs = h.recent(key);
        assertThat(runs).hasSize(RunHistory.KEPT + 1);
        assertThat(runs.get(0).jobId()).isEqualTo("small24");
        assertThat(runs.get(RunHistory.KEPT).jobId()).isEqualTo("big");
        assertThat(runs).extracting(PastRun::jobId).doesNotContain("failed", "small0");

        h.record(key, new PastRun("bigger", t.plusSeconds(100), Backend.LAMBDA, 4096, 500L << 20, 1500L << 20, 80_000,
                JobState.SUCCEEDED, new RunUsage(1, 2, 3, 0, 0, 5, 6), null, null, null));
        assertThat(h.recent(key)).hasSize(RunHistory.KEPT).extracting(PastRun::jobId).startsWith("bigger").doesNotContain("big");
    }

    @Test
    void anUnreadableHistoryObject_isNoReasonToFail_andIsWrittenAnew() {
        RunHistory h = new S3JobStore(s3.s3, S3Uri.parse("s3://soal-jobs/history-bad/")).history();
        RunHistory.Key key = new RunHistory.Key("s3://soal-scripts/job.sql", "\"etag-1\"", "s3://soal-data/x/", "csv");
        s3.put("soal-jobs", "history-bad/_history/" + key.id() + ".json", "{\"key\": 1, \"runs\": \"from a newer router\"");
        assertThat(h.recent(key)).isEmpty();
        h.record(key, run("c1", Instant.parse("2026-12-07T00:00:00Z")));
        assertThat(h.recent(key)).extracting(PastRun::jobId).containsExactly("c1");
    }

    @Test
    void aScriptThatCameNearTheTimeout_runsOnTheClusterTheNextTime_andTheDecisionSaysWhy() {
        S3JobStore store = new S3JobStore(s3.s3, S3Uri.parse("s3://soal-jobs/history-route/"));
        RecordingBackend lambda = new RecordingBackend(Backend.LAMBDA);
        RecordingBackend standalone = new RecordingBackend(Backend.STANDALONE);
        JobService jobs = new JobService(store, s3.measurer(), new RoutingPolicy(PolicyLoader.defaults(),
                Set.of(Backend.LAMBDA, Backend.STANDALONE)), Map.of(Backend.LAMBDA, lambda, Backend.STANDALONE, standalone),
                S3Uri.parse("s3://soal-output/jobs/"), Clock.systemUTC());
        JobRecord first = jobs.submit(request("s3://soal-data/daily/dt=2026-12-06/")).job();
        assertThat(first.decision().backend()).isEqualTo(Backend.LAMBDA);
        // the gzip CSV was measured as read: 1,000 bytes x 4
        assertThat(first.decision().inputBytesAsRead()).isEqualTo(4000);
        assertThat(first.measurement().scriptVersion()).isNotBlank();
        // its runtime ran it for 760 s of the 900 s timeout, and reported what it took
        Instant now = Instant.now();
        store.update(first.id(), j -> RuntimeAttempts.claim(j, "req-1/n", "lambda", now, RuntimeAttempts.DEFAULT_LEASE));
        store.update(first.id(), j -> RuntimeAttempts.end(j, "req-1/n", JobState.SUCCEEDED, "ran", 760_000, now)
                .toBuilder().usage(new RunUsage(300L << 20, 500L << 20, 1638L << 20, 0, 10L << 30, 100, 1000)).build());
        assertThat(jobs.refresh(first.id()).state()).isEqualTo(JobState.SUCCEEDED); // counted here: into the history

        // the next day's input, the same shape, as large as read: too near the timeout for Lambda
        JobRecord second = jobs.submit(request("s3://soal-data/daily/dt=2026-12-07/")).job();

        assertThat(second.decision().backend()).isEqualTo(Backend.STANDALONE);
        assertThat(second.decision().reasons().get(1)).startsWith("history: 1 run(s) of this script on inputs like these")
                .endsWith("within 20% of the function timeout (900 s) -> standalone");
        assertThat(standalone.submitted).containsExactly(second.id());
        assertThat(store.history().recent(RunHistory.Key.of(second.request(), second.measurement())))
                .extracting(PastRun::jobId).containsExactly(first.id());
    }

    private static JobRequest request(String input) {
        return new JobRequest("s3://soal-scripts/job.sql", null, List.of(input), null, null, null, null, null);
    }
}
