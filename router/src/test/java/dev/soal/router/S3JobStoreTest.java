package dev.soal.router;

import dev.soal.adapters.s3.S3JobStore;
import dev.soal.core.Backend;
import dev.soal.core.JobIds;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.JobStore;
import dev.soal.core.Measurement;
import dev.soal.core.RoutingDecision;
import dev.soal.core.S3Uri;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.soal.adapters.s3.S3Clients;
import dev.soal.core.Json;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The job store on a real S3 server. */
class S3JobStoreTest {
    private static EmbeddedS3Fixture s3;
    private static JobStore store;

    @BeforeAll
    static void start() throws Exception {
        s3 = new EmbeddedS3Fixture("soal-jobs");
        store = new S3JobStore(s3.s3, S3Uri.parse("s3://soal-jobs/store/"));
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    @Test
    void sameIdempotencyKey_returnsTheFirstJob() {
        JobRecord first = job();
        JobRecord second = job();

        JobStore.CreateOutcome a = store.create(first, "key-A");
        JobStore.CreateOutcome b = store.create(second, "key-A");

        assertThat(a).isInstanceOf(JobStore.CreateOutcome.Created.class);
        assertThat(b).isInstanceOf(JobStore.CreateOutcome.Existing.class);
        assertThat(b.job().id()).isEqualTo(first.id());
        assertThat(store.get(second.id())).isEmpty();
    }

    @Test
    void aMoveTheTransitionTableRefuses_throwsAndWritesNothing_howeverTheRecordWasBuilt() {
        JobRecord job = store.create(job(), null).job();
        java.time.Instant now = job.createdAt().plusSeconds(1);
        JobRecord ended = store.update(job.id(), j -> j.transition(JobState.SUCCEEDED, "DONE", "ok", now));

        assertThatThrownBy(() -> store.update(job.id(), j -> j.toBuilder().state(JobState.RUNNING).message("again").build()))
                .isInstanceOf(JobState.IllegalStateTransitionException.class)
                .hasMessage("illegal job state transition SUCCEEDED -> RUNNING (SUCCEEDED is terminal)");
        assertThat(store.get(job.id()).orElseThrow()).isEqualTo(ended);
        assertThat(store.list(JobState.RUNNING, 10, null).jobs()).extracting(JobRecord::id).doesNotContain(job.id());
    }

    @Test
    void concurrentCreatesWithOneKey_fromTwoStores_recordExactlyOneJob() throws Exception {
        // two stores with their own S3 clients, as two router processes have: only S3's conditional writes decide
        try (S3Client other = S3Clients.create(s3.server.settings())) {
            JobStore second = new S3JobStore(other, S3Uri.parse("s3://soal-jobs/store/"));
            for (int round = 0; round < 5; round++) {
                String key = "key-race-" + round;
                ExecutorService pool = Executors.newFixedThreadPool(8);
                CountDownLatch go = new CountDownLatch(1);
                try {
                    List<Future<JobStore.CreateOutcome>> results = new ArrayList<>();
                    for (int i = 0; i < 16; i++) {
                        JobStore target = i % 2 == 0 ? store : second;
                        results.add(pool.submit((Callable<JobStore.CreateOutcome>) () -> {
                            go.await();
                            return target.create(job(), key);
                        }));
                    }
                    go.countDown();
                    List<String> ids = new ArrayList<>();
                    int created = 0;
                    for (Future<JobStore.CreateOutcome> f : results) {
                        JobStore.CreateOutcome o = f.get();
                        ids.add(o.job().id());
                        created += o instanceof JobStore.CreateOutcome.Created ? 1 : 0;
                    }
                    assertThat(created).as("round %d", round).isEqualTo(1);
                    assertThat(ids).containsOnly(ids.get(0));
                } finally {
                    pool.shutdownNow();
                }
            }
        }
    }

    @Test
    void sameKey_differentRequest_isAConflict_tagsIncluded() {
        JobRecord first = job();
        store.create(first, "key-conflict");
        JobRecord tagged = job(Map.of("team", "b"));
        JobStore.CreateOutcome o = store.create(tagged, "key-conflict");
        assertThat(o).isInstanceOf(JobStore.CreateOutcome.Conflict.class);
        assertThat(o.job().id()).isEqualTo(first.id());
        assertThat(store.get(tagged.id())).isEmpty();
    }

    @Test
    void aCreatorThatDiedBetweenItsWrites_blocksNobody_theNextRequestFinishesTheSameJob() {
        JobStore shortLease = new S3JobStore(s3.s3, S3Uri.parse("s3://soal-jobs/crash/"), Clock.systemUTC(), Duration.ofMillis(300));
        JobRecord claimed = job();
        // what a creator leaves when it dies right after claiming the key: the claim, no record, no index entry
        S3JobStore.IdempotencyRecord claim = new S3JobStore.IdempotencyRecord("IN_PROGRESS", claimed.request().fingerprint(),
                Instant.now().plusMillis(300), claimed);
        s3.put("soal-jobs", "crash/idempotency/" + sha256("key-crash") + ".json", Json.write(claim));

        long t0 = System.nanoTime();
        JobStore.CreateOutcome o = shortLease.create(job(), "key-crash");

        assertThat(o).isInstanceOf(JobStore.CreateOutcome.Created.class);
        assertThat(o.job().id()).isEqualTo(claimed.id());
        assertThat(shortLease.get(claimed.id())).isPresent();
        assertThat(shortLease.unfinished(10)).extracting(JobRecord::id).contains(claimed.id());
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(shortLease.create(job(), "key-crash")).isInstanceOf(JobStore.CreateOutcome.Existing.class);
    }

    @Test
    void listByState_pagesWithATokenNewestFirst_andSkipsStaleIndexEntries() {
        JobStore own = new S3JobStore(s3.s3, S3Uri.parse("s3://soal-jobs/listing/"));
        List<String> failed = new ArrayList<>();
        Instant t = Instant.parse("2026-11-01T00:00:00Z");
        for (int i = 0; i < 7; i++) {
            JobRecord j = job(t.plusSeconds(i));
            own.create(j, null);
            if (i % 2 == 0) {
                own.update(j.id(), r -> r.transition(JobState.FAILED, "FAILED", "boom", Instant.now()));
                failed.add(0, j.id());
            }
        }
        JobStore.Page first = own.list(JobState.FAILED, 3, null);
        assertThat(first.jobs()).extracting(JobRecord::id).containsExactlyElementsOf(failed.subList(0, 3));
        assertThat(first.nextToken()).isNotNull();
        JobStore.Page second = own.list(JobState.FAILED, 3, first.nextToken());
        assertThat(second.jobs()).extracting(JobRecord::id).containsExactly(failed.get(3));
        assertThat(second.nextToken()).isNull();
        assertThat(own.list(JobState.QUEUED, 10, null).jobs()).hasSize(3).allMatch(j -> j.state() == JobState.QUEUED);
        assertThat(own.list(null, 10, null).jobs()).hasSize(7);
        assertThat(own.unfinished(10)).hasSize(3);

        // an entry a crash left under a state the job is no longer in is not listed
        JobRecord moved = own.list(JobState.FAILED, 1, null).jobs().get(0);
        String inverted = String.format("%013d", 9_999_999_999_999L - moved.createdAt().toEpochMilli());
        String stale = "listing/index/RUNNING/" + inverted.substring(0, 6) + "/" + inverted + "-" + moved.id();
        s3.put("soal-jobs", stale, "");
        assertThat(own.list(JobState.RUNNING, 10, null).jobs()).isEmpty();
        assertThat(own.unfinished(10)).extracting(JobRecord::id).doesNotContain(moved.id());
        assertThatThrownBy(() -> own.list(null, 5, "not-a-token")).hasMessageContaining("nextToken is not one this store gave out");
    }

    @Test
    void pagesCrossTheIndexPartitions_inOrder() {
        JobStore own = new S3JobStore(s3.s3, S3Uri.parse("s3://soal-jobs/partitions/"));
        List<String> newestFirst = new ArrayList<>();
        Instant t = Instant.parse("2026-10-01T00:00:00Z");
        for (int i = 0; i < 7; i++) {
            // hours apart: the index keeps entries in partitions of about 2.8 hours
            JobRecord j = job(t.plus(Duration.ofHours(3L * i)).plusMillis(i));
            own.create(j.transition(JobState.FAILED, "FAILED", "boom", Instant.now()), null);
            newestFirst.add(0, j.id());
        }
        List<String> seen = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            JobStore.Page p = own.list(JobState.FAILED, 2, token);
            p.jobs().forEach(j -> seen.add(j.id()));
            token = p.nextToken();
            pages++;
        } while (token != null && pages < 10);
        assertThat(seen).containsExactlyElementsOf(newestFirst);
        assertThat(own.list(null, 3, null).jobs()).extracting(JobRecord::id).containsExactlyElementsOf(newestFirst.subList(0, 3));
    }

    @Test
    void unsafeJobIds_areRefused() {
        assertThatThrownBy(() -> store.get("../../etc/passwd")).hasMessageContaining("job id must be");
    }

    static JobRecord job() {
        return job(Map.of(), Instant.now());
    }

    static JobRecord job(Map<String, String> tags) {
        return job(tags, Instant.now());
    }

    static JobRecord job(Instant now) {
        return job(Map.of(), now);
    }

    static JobRecord job(Map<String, String> tags, Instant now) {
        JobRequest req = new JobRequest("s3://soal-scripts/a.sql", null, List.of("s3://soal-data/x.csv"), null,
                null, tags, null, null);
        return JobRecord.queued(JobIds.next(now), req, new Measurement(1, 1, 0),
                new RoutingDecision(Backend.LAMBDA, 2048, List.of("small")), now);
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
