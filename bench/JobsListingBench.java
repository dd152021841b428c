import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.s3.S3JobStore;
import dev.soal.core.Backend;
import dev.soal.core.BackendStatus;
import dev.soal.core.JobBackend;
import dev.soal.core.JobIds;
import dev.soal.core.JobRecord;
import dev.soal.core.JobRequest;
import dev.soal.core.JobState;
import dev.soal.core.Measurement;
import dev.soal.core.RoutingDecision;
import dev.soal.core.S3Uri;
import dev.soal.core.SubmitOutcome;
import dev.soal.policies.PolicyLoader;
import dev.soal.policies.RoutingPolicy;
import dev.soal.router.InputMeasurer;
import dev.soal.router.JobService;
import dev.soal.embedded.s3.EmbeddedS3;
import dev.soal.router.serve.LocalServer;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Listing and reconciling at scale: fills the embedded S3 with SIZES job records (10% FAILED, the rest
 * SUCCEEDED, plus 50 unfinished jobs whatever the size), then measures GET /jobs?state=FAILED&limit=50
 * through soal serve's HTTP API (first pages and pages by nextToken) and one reconciler sweep. Both read
 * an index, so their cost must not grow with the number of jobs.
 */
public final class JobsListingBench {
    static final int[] SIZES = Arrays.stream(System.getProperty("sizes", "10000,100000").split(","))
            .mapToInt(Integer::parseInt).toArray();
    static final int UNFINISHED = 50;
    static final int ROUNDS = Integer.getInteger("rounds", 200);

    /** Answers that every run is still going (the reconciler asks it about each unfinished job). */
    static final class Running implements JobBackend {
        public Backend kind() {
            return Backend.EMR_SERVERLESS;
        }

        public SubmitOutcome submit(JobRecord job) {
            return new SubmitOutcome.Accepted("run-" + job.id(), "SUBMITTED");
        }

        public BackendStatus status(JobRecord job) {
            return new BackendStatus(JobState.RUNNING, "RUNNING", null);
        }

        public void cancel(JobRecord job) {
        }
    }

    public static void main(String[] args) throws Exception {
        try (EmbeddedS3 server = EmbeddedS3.start(Files.createTempDirectory("soal-listing"));
             S3Client s3 = S3Clients.create(server.settings())) {
            for (String b : List.of("soal-jobs", "soal-data", "soal-scripts", "soal-output")) {
                s3.createBucket(r -> r.bucket(b));
            }
            System.out.printf("%-8s | %-10s | %-26s | %-26s | %-22s%n", "jobs", "fill", "GET ?state=FAILED&limit=50",
                    "the same, by nextToken", "reconciler sweep (50)");
            for (int size : SIZES) {
                S3JobStore store = new S3JobStore(s3, S3Uri.parse("s3://soal-jobs/n" + size + "/"));
                long t0 = System.nanoTime();
                fill(store, size);
                double fill = (System.nanoTime() - t0) / 1e9;
                JobService jobs = new JobService(store, new InputMeasurer(s3, 2, Duration.ofSeconds(30)),
                        new RoutingPolicy(PolicyLoader.defaults(), Set.of(Backend.EMR_SERVERLESS)),
                        Map.of(Backend.EMR_SERVERLESS, new Running()), S3Uri.parse("s3://soal-output/jobs/"), Clock.systemUTC());
                try (LocalServer api = LocalServer.start(jobs, null, PolicyLoader.defaults(), 0, "t",
                        new PrintStream(java.io.OutputStream.nullOutputStream()))) {
                    HttpClient http = HttpClient.newHttpClient();
                    long[] first = new long[ROUNDS];
                    long[] next = new long[ROUNDS];
                    String token = null;
                    for (int i = 0; i < ROUNDS; i++) {
                        long s = System.nanoTime();
                        String body = get(http, api, "/jobs?state=FAILED&limit=50");
                        first[i] = System.nanoTime() - s;
                        require(body, 50);
                        token = token(body);
                        s = System.nanoTime();
                        String page = get(http, api, "/jobs?state=FAILED&limit=50&nextToken=" + token);
                        next[i] = System.nanoTime() - s;
                        require(page, 50);
                    }
                    long[] sweeps = new long[20];
                    for (int i = 0; i < sweeps.length; i++) {
                        long s = System.nanoTime();
                        int n = jobs.reconcileUnfinished(1_000);
                        sweeps[i] = System.nanoTime() - s;
                        if (n != UNFINISHED) {
                            throw new IllegalStateException("the sweep looked at " + n + " jobs, expected " + UNFINISHED);
                        }
                    }
                    System.out.printf("%-8d | %8.0f s | p50 %6.1f ms, p99 %6.1f ms | p50 %6.1f ms, p99 %6.1f ms | p50 %6.1f ms, max %6.1f ms%n",
                            size, fill, pct(first, 50), pct(first, 99), pct(next, 50), pct(next, 99), pct(sweeps, 50),
                            pct(sweeps, 100));
                }
            }
        }
        System.exit(0);
    }

    /** SIZE finished jobs (one in ten FAILED) and UNFINISHED running ones, written as the store writes them. */
    static void fill(S3JobStore store, int size) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(32);
        Instant base = Instant.parse("2026-01-01T00:00:00Z");
        AtomicInteger done = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < size + UNFINISHED; i++) {
            int n = i;
            futures.add(pool.submit(() -> {
                Instant at = base.plusSeconds(n);
                JobRecord j = JobRecord.queued(JobIds.next(at), new JobRequest("s3://soal-scripts/job.sql", null,
                                List.of("s3://soal-data/in.csv"), "s3://soal-output/jobs/" + n + "/", null, null, null, null),
                        new Measurement(100, 1, 0), new RoutingDecision(Backend.EMR_SERVERLESS, 0, List.of("bench")), at);
                JobState state = n >= size ? JobState.RUNNING : n % 10 == 0 ? JobState.FAILED : JobState.SUCCEEDED;
                JobRecord recorded = j.transition(state, state.name(), "bench", at).withBackendHandle("run-" + n, at);
                store.create(recorded, null);
                done.incrementAndGet();
            }));
        }
        for (Future<?> f : futures) {
            f.get(1, TimeUnit.HOURS);
        }
        pool.shutdown();
    }

    static String get(HttpClient http, LocalServer api, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api.uri() + path))
                .header("Authorization", "Bearer t").build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(path + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    static void require(String body, int jobs) {
        int n = body.split("\"jobId\":").length - 1;
        int failed = body.split("\"state\":\"FAILED\",\"nativeState\"").length - 1;
        if (n != jobs || failed != jobs) {
            throw new IllegalStateException("expected " + jobs + " FAILED jobs, got " + n + " jobs, " + failed + " FAILED");
        }
    }

    static String token(String body) {
        int i = body.indexOf("\"nextToken\":\"");
        if (i < 0) {
            throw new IllegalStateException("no nextToken in the first page");
        }
        return body.substring(i + 13, body.indexOf('"', i + 13));
    }

    static double pct(long[] values, int p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, Math.max(0, (int) Math.ceil(p / 100.0 * sorted.length) - 1))] / 1e6;
    }
}
