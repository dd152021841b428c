package dev.soal.router;

import dev.soal.adapters.s3.S3JobStore;
import dev.soal.core.Backend;
import dev.soal.core.BackendStatus;
import dev.soal.core.JobIds;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.JobStore;
import dev.soal.core.Lease;
import dev.soal.core.Measurement;
import dev.soal.core.RoutingDecision;
import dev.soal.core.RuntimeAttempts;
import dev.soal.core.S3Uri;
import dev.soal.policies.PolicyLoader;
import dev.soal.policies.RoutingPolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What happens to a job when the process that handled it dies at any point, told by the records such a
 * death leaves in the store, with two routers sharing one store (each its own service and S3 client).
 */
class JobLifecycleTest {
    private static EmbeddedS3Fixture s3;
    private static InputMeasurer measurer;

    @BeforeAll
    static void start() throws Exception {
        s3 = EmbeddedS3Fixture.forJobs();
        measurer = s3.measurer();
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    private final RecordingBackend lambda = new RecordingBackend(Backend.LAMBDA);
    private final RecordingBackend emr = new RecordingBackend(Backend.EMR_SERVERLESS);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private JobStore store(String prefix) {
        return new S3JobStore(s3.s3, S3Uri.parse("s3://soal-jobs/" + prefix + "/"));
    }

    private JobService service(JobStore store) {
        return service(store, meters);
    }

    /** A router on {@code store} counting into {@code meters}: two on one store are two routers, as far as the store can tell. */
    private JobService service(JobStore store, SimpleMeterRegistry meters) {
        return new JobService(store, measurer,
                new RoutingPolicy(PolicyLoader.defaults(), Set.of(Backend.LAMBDA, Backend.EMR_SERVERLESS)),
                Map.of(Backend.LAMBDA, lambda, Backend.EMR_SERVERLESS, emr), S3Uri.parse("s3://soal-output/jobs/"),
                Clock.systemUTC(), meters);
    }

    /** A job as a router that died right after recording it leaves it: QUEUED, no run, its submit lease lapsed. */
    private static JobRecord recordedByADeadRouter(JobStore store, Backend backend) {
        Instant past = Instant.now().minus(Duration.ofMinutes(5));
        JobRecord job = JobRecord.queued(JobIds.next(past), new JobRequest("s3://soal-scripts/job.sql", null,
                        List.of("s3://soal-data/small.csv"), "s3://soal-output/jobs/x/", null, null, null, null),
                new Measurement(8, 1, 0), new RoutingDecision(backend, 2048, List.of("test")), past).toBuilder()
                .submitLease(Lease.of("router-dead", past, JobService.SUBMIT_LEASE)).build();
        store.create(job, null);
        return job;
    }

    @Test
    void aJobRecordedButNeverSent_isSentByTheReconciler_once() {
        JobStore store = store("unsent");
        JobRecord job = recordedByADeadRouter(store, Backend.LAMBDA);
        JobService survivor = service(store);

        survivor.reconcileUnfinished(100);
        survivor.reconcileUnfinished(100);
        service(store).reconcileUnfinished(100);

        assertThat(lambda.submitted).containsExactly(job.id());
        JobRecord after = survivor.get(job.id());
        assertThat(after.backendHandle()).isEqualTo("run-1");
        assertThat(after.submits()).isEqualTo(1);
        assertThat(after.submitLease().ownedBy(survivor.routerId())).isTrue();
    }

    @Test
    void sweepsSmallerThanTheBacklog_goOnWithTheOlderJobs_soNoneWaitsForEver() throws Exception {
        JobStore store = store("backlog");
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(recordedByADeadRouter(store, Backend.LAMBDA).id());
            Thread.sleep(5); // distinct creation times
        }
        for (int sweep = 0; sweep < 3; sweep++) {
            // each sweep in a new execution environment: where the last one stopped is found in the store
            service(store).reconcileUnfinished(2);
        }
        assertThat(lambda.submitted).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void aSweep_looksAtJobsInParallel_stopsStartingThemBeforeItsDeadline_andTheNextGoesOnFromThere() throws Exception {
        JobStore store = store("deadline-sweep");
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < JobService.SWEEP_PARALLELISM + 2; i++) {
            ids.add(0, recordedByADeadRouter(store, Backend.LAMBDA).id()); // newest first, as a sweep takes them
            Thread.sleep(5);
        }
        lambda.onSubmit = () -> {
            try {
                Thread.sleep(1_200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        long t0 = System.nanoTime();
        // time for one wave: after it, less than the reserve is left
        int looked = dev.soal.core.Deadline.in(JobService.SWEEP_RESERVE.plusMillis(600), "the sweep's end")
                .run(() -> service(store).reconcileUnfinished(100));
        long tookMs = (System.nanoTime() - t0) / 1_000_000;

        assertThat(looked).isEqualTo(JobService.SWEEP_PARALLELISM);
        assertThat(lambda.submitted).containsExactlyInAnyOrderElementsOf(ids.subList(0, JobService.SWEEP_PARALLELISM));
        assertThat(tookMs).as("8 submits of 1.2 s each, side by side").isLessThan(4_000);
        lambda.onSubmit = () -> { };
        assertThat(service(store).reconcileUnfinished(100)).isEqualTo(2);
        assertThat(lambda.submitted).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void anUnfinishedJobOlderThanThreeHours_isCountedStuckByEverySweep_aYoungerOneIsNot() {
        JobStore store = store("stuck");
        Instant old = Instant.now().minus(JobService.STALE_AFTER).minus(Duration.ofMinutes(1));
        JobRecord stuck = JobRecord.queued(JobIds.next(old), new JobRequest("s3://soal-scripts/job.sql", null,
                        List.of("s3://soal-data/small.csv"), "s3://soal-output/jobs/x/", null, null, null, null),
                new Measurement(8, 1, 0), new RoutingDecision(Backend.EMR_SERVERLESS, 0, List.of("test")), old).toBuilder()
                .backendHandle("run-old").build();
        store.create(stuck, null);
        recordedByADeadRouter(store, Backend.LAMBDA); // 5 minutes old: unfinished, not stuck
        JobService router = service(store);

        router.reconcileUnfinished(100);
        router.reconcileUnfinished(100);

        assertThat(meters.counter("soal.jobs.stuck").count()).isEqualTo(2);
    }

    @Test
    void aJobAnotherRouterIsSending_isLeftToIt() {
        JobStore store = store("leased");
        JobRecord job = recordedByADeadRouter(store, Backend.LAMBDA);
        store.update(job.id(), j -> j.toBuilder().submitLease(Lease.of("router-alive", Instant.now(), Duration.ofMinutes(1))).build());
        service(store).reconcileUnfinished(100);
        assertThat(lambda.submitted).isEmpty();
    }

    @Test
    void aSubmitTheRuntimeNeverClaimed_isMadeAgain_andGivenUpAfterMaxSubmits() {
        JobStore store = store("unclaimed");
        JobRecord job = recordedByADeadRouter(store, Backend.LAMBDA);
        JobService router = service(store);
        for (int i = 0; i < JobService.MAX_SUBMITS + 1; i++) {
            router.reconcileUnfinished(100);
            // the runtime never claims it; time passes beyond the start lease
            store.update(job.id(), j -> j.submitLease() == null ? j : j.toBuilder()
                    .submitLease(new Lease(j.submitLease().owner(), Instant.now().minusSeconds(1))).build());
        }
        assertThat(lambda.submitted).hasSize(JobService.MAX_SUBMITS);
        JobRecord after = router.get(job.id());
        assertThat(after.state()).isEqualTo(JobState.FAILED);
        assertThat(after.message()).isEqualTo("no run started after 3 submissions to lambda");
    }

    @Test
    void aCancelBeforeTheRunExists_endsCancelled_andNothingStarts() {
        JobStore store = store("cancel-unsent");
        JobRecord job = recordedByADeadRouter(store, Backend.EMR_SERVERLESS);
        JobService router = service(store);

        JobRecord cancelled = router.cancel(job.id());
        router.reconcileUnfinished(100);

        assertThat(cancelled.state()).isEqualTo(JobState.CANCELLED);
        assertThat(emr.submitted).isEmpty();
        assertThat(router.get(job.id()).state()).isEqualTo(JobState.CANCELLED);
    }

    @Test
    void aCancelWhileAnotherRouterSends_isSeenByThatSend_andTheRunIsCancelled() {
        JobStore store = store("cancel-racing");
        JobRecord job = recordedByADeadRouter(store, Backend.EMR_SERVERLESS);
        emr.selfReporting = false;
        emr.status = new BackendStatus(JobState.QUEUED, "SUBMITTED", null);
        JobService sender = service(store);
        JobService canceller = service(store);
        // the cancel lands while the submit is on its way: the backend answers after the record says CANCELLING
        emr.onSubmit = () -> canceller.cancel(job.id());

        sender.reconcileUnfinished(100);

        assertThat(emr.submitted).containsExactly(job.id());
        assertThat(emr.cancelled).containsExactly(job.id());
        assertThat(sender.refresh(job.id()).state()).isEqualTo(JobState.CANCELLED);
    }

    @Test
    void aRuntimeThatStoppedRenewingItsLease_endsFailed_withTheBackendsLastWord() {
        JobStore store = store("lapsed");
        JobRecord job = recordedByADeadRouter(store, Backend.LAMBDA);
        store.update(job.id(), j -> RuntimeAttempts.claim(j.toBuilder().backendHandle("run-1").build(), "attempt-7",
                "a container", Instant.now().minus(Duration.ofMinutes(3)), RuntimeAttempts.DEFAULT_LEASE));
        lambda.status = new BackendStatus(JobState.RUNNING, "ELSEWHERE", "not in this router");

        JobRecord after = service(store).reconcile(service(store).get(job.id()));

        assertThat(after.state()).isEqualTo(JobState.FAILED);
        assertThat(after.nativeState()).isEqualTo("LEASE_EXPIRED");
        assertThat(after.message()).startsWith("the runtime stopped reporting: attempt attempt-7's lease expired at")
                .endsWith("(ELSEWHERE: not in this router)");
        assertThat(lambda.submitted).isEmpty();
    }

    @Test
    void aRuntimeThatClaimedAJobWhoseHandleWasNeverRecorded_andDied_stillEnds() {
        JobStore store = store("no-handle");
        JobRecord job = recordedByADeadRouter(store, Backend.LAMBDA);
        // the router died after invoking, before recording the handle; the runtime claimed the job, then died
        store.update(job.id(), j -> RuntimeAttempts.claim(j, "attempt-9", "a container",
                Instant.now().minus(Duration.ofMinutes(3)), RuntimeAttempts.DEFAULT_LEASE));
        lambda.status = new BackendStatus(JobState.RUNNING, "ELSEWHERE", null);

        service(store).reconcileUnfinished(100);

        JobRecord after = service(store).get(job.id());
        assertThat(after.state()).isEqualTo(JobState.FAILED);
        assertThat(after.nativeState()).isEqualTo("LEASE_EXPIRED");
        assertThat(lambda.submitted).isEmpty();
    }

    @Test
    void aRunWhoseRuntimeHoldsALiveLease_isNotJudgedByAProcessThatExited() {
        JobStore store = store("held");
        JobRecord job = recordedByADeadRouter(store, Backend.LAMBDA);
        store.update(job.id(), j -> RuntimeAttempts.claim(j.toBuilder().backendHandle("run-1").build(), "attempt-1",
                "a container", Instant.now(), RuntimeAttempts.DEFAULT_LEASE));
        // e.g. a second delivery's process that declined to run and exited 0
        lambda.status = new BackendStatus(JobState.SUCCEEDED, "EXIT_0", "exited with code 0");
        assertThat(service(store).refresh(job.id()).state()).isEqualTo(JobState.RUNNING);
    }

    @Test
    void aQueuedRun_keepsTheBackendsNativeStateAndMessage() {
        JobStore store = store("native");
        JobRecord job = recordedByADeadRouter(store, Backend.EMR_SERVERLESS);
        emr.selfReporting = false;
        JobService router = service(store);
        router.reconcileUnfinished(100);
        emr.status = new BackendStatus(JobState.QUEUED, "QUEUED", "application concurrency limit reached");
        JobRecord queued = router.refresh(job.id());
        assertThat(queued.state()).isEqualTo(JobState.QUEUED);
        assertThat(queued.nativeState()).isEqualTo("QUEUED");
        assertThat(queued.message()).isEqualTo("application concurrency limit reached");
    }

    @Test
    void aFinishedJob_isCountedOnce_byTheRouterWhoseChangeEndedIt() {
        JobStore store = store("counted");
        JobRecord job = recordedByADeadRouter(store, Backend.EMR_SERVERLESS);
        emr.selfReporting = false;
        JobService a = service(store);
        SimpleMeterRegistry otherMeters = new SimpleMeterRegistry();
        JobService b = service(store, otherMeters);
        a.reconcileUnfinished(100);
        emr.status = new BackendStatus(JobState.SUCCEEDED, "SUCCESS", null);
        for (int i = 0; i < 3; i++) {
            a.refresh(job.id());
            b.refresh(job.id());
        }
        double total = meters.counter("soal.jobs.finished", "backend", "emr-serverless", "state", "SUCCEEDED").count()
                + otherMeters.counter("soal.jobs.finished", "backend", "emr-serverless", "state", "SUCCEEDED").count();
        assertThat(total).isEqualTo(1.0);
    }

    @Test
    void aJobTheRunnerEnded_outsideLambda_isCountedOnce_byTheFirstRouterThatSeesIt() {
        JobStore store = store("runner-counted");
        JobRecord job = recordedByADeadRouter(store, Backend.EMR_SERVERLESS);
        emr.selfReporting = false;
        emr.status = new BackendStatus(JobState.SUCCEEDED, "SUCCESS", null);
        // the runner on EMR Serverless ends the job in the store; its logs are not read as metrics, so it marks nothing
        store.update(job.id(), j -> j.transition(JobState.SUCCEEDED, "SUCCEEDED", "done by the runner", java.time.Instant.now())
                .withDuration(1_234));
        SimpleMeterRegistry otherMeters = new SimpleMeterRegistry();
        JobService a = service(store);
        JobService b = service(store, otherMeters);
        for (int i = 0; i < 3; i++) {
            b.refresh(job.id());
            a.refresh(job.id());
        }
        double total = meters.counter("soal.jobs.finished", "backend", "emr-serverless", "state", "SUCCEEDED").count()
                + otherMeters.counter("soal.jobs.finished", "backend", "emr-serverless", "state", "SUCCEEDED").count();
        assertThat(total).isEqualTo(1.0);
        assertThat(otherMeters.timer("soal.jobs.duration", "backend", "emr-serverless", "state", "SUCCEEDED")
                .totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(1_234.0);
        assertThat(store.get(job.id()).orElseThrow().counted()).isTrue();

        // a job the runtime ended in Lambda, and counted there, is not counted again
        JobRecord lambdaJob = recordedByADeadRouter(store, Backend.LAMBDA);
        store.update(lambdaJob.id(), j -> dev.soal.core.JobOutcomes.markCounted(
                j.transition(JobState.FAILED, "FAILED", "by the runtime", java.time.Instant.now())));
        a.refresh(lambdaJob.id());
        b.refresh(lambdaJob.id());
        assertThat(meters.counter("soal.jobs.finished", "backend", "lambda", "state", "FAILED").count()
                + otherMeters.counter("soal.jobs.finished", "backend", "lambda", "state", "FAILED").count()).isZero();
    }
}
