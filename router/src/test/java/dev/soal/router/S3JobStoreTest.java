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

import java.time.Instant;
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
    void concurrentCreatesWithOneKey_recordExactlyOneJob() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<JobStore.CreateOutcome>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                results.add(pool.submit((Callable<JobStore.CreateOutcome>) () -> store.create(job(), "key-race")));
            }
            List<String> ids = new ArrayList<>();
            int created = 0;
            for (Future<JobStore.CreateOutcome> f : results) {
                JobStore.CreateOutcome o = f.get();
                ids.add(o.job().id());
                created += o instanceof JobStore.CreateOutcome.Created ? 1 : 0;
            }
            assertThat(created).isEqualTo(1);
            assertThat(ids).containsOnly(ids.get(0));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void update_followsTheTransitionTable_andTerminalStatesStay() {
        JobRecord j = job();
        store.create(j, null);
        store.update(j.id(), r -> r.transition(JobState.RUNNING, "RUNNING", "go", Instant.now()));
        JobRecord done = store.update(j.id(), r -> r.transition(JobState.SUCCEEDED, "SUCCESS", "ok", Instant.now()));

        assertThat(store.get(j.id())).contains(done);
        assertThat(done.history()).extracting(h -> h.state()).containsExactly(JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED);
        assertThatThrownBy(() -> store.update(j.id(), r -> r.transition(JobState.FAILED, "FAILED", "late", Instant.now())))
                .isInstanceOf(JobState.IllegalStateTransitionException.class);
        assertThat(store.get(j.id()).orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void list_returnsNewestFirst() throws Exception {
        JobStore own = new S3JobStore(s3.s3, S3Uri.parse("s3://soal-jobs/listing/"));
        JobRecord older = job();
        Thread.sleep(1100);
        JobRecord newer = job();
        own.create(older, null);
        own.create(newer, null);
        assertThat(own.list(10)).extracting(JobRecord::id).containsExactly(newer.id(), older.id());
        assertThat(own.list(1)).extracting(JobRecord::id).containsExactly(newer.id());
    }

    @Test
    void unsafeJobIds_areRefused() {
        assertThatThrownBy(() -> store.get("../../etc/passwd")).hasMessageContaining("job id must be");
    }

    static JobRecord job() {
        Instant now = Instant.now();
        JobRequest req = new JobRequest("s3://soal-scripts/a.sql", null, List.of("s3://soal-data/x.csv"), null,
                null, null, null, null);
        return JobRecord.queued(JobIds.next(now), req, new Measurement(1, 1, 0),
                new RoutingDecision(Backend.LAMBDA, 2048, List.of("small")), now);
    }
}
