import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.s3.S3JobStore;
import dev.soal.core.Backend;
import dev.soal.core.BackendStatus;
import dev.soal.core.JobBackend;
import dev.soal.core.JobRecord;
import dev.soal.core.JobState;
import dev.soal.core.S3Uri;
import dev.soal.core.SubmitOutcome;
import dev.soal.policies.Policies;
import dev.soal.policies.PolicyLoader;
import dev.soal.policies.RoutingPolicy;
import dev.soal.router.InputMeasurer;
import dev.soal.router.JobService;
import dev.soal.embedded.s3.EmbeddedS3;
import dev.soal.router.serve.LocalServer;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load on the jobs API of soal serve: REQUESTS POST /jobs at CONCURRENCY, DUPLICATES of them repeating
 * an earlier idempotency key. Everything is real (HTTP on loopback, input measuring and the job store on
 * the embedded S3 server) except the backend, which accepts each job and holds it: the load is on the
 * router, not on Spark. Checks: no job lost (every distinct key has one recorded job), no duplicate job
 * (one record and one submit per key). Prints latency percentiles and throughput.
 */
public final class JobsApiLoad {
    static final int REQUESTS = Integer.getInteger("requests", 2_000);
    static final int CONCURRENCY = Integer.getInteger("concurrency", 32);
    static final double DUPLICATES = 0.20;
    static final Pattern JOB_ID = Pattern.compile("\"jobId\":\"([^\"]+)\"");

    /** Accepts every job once and keeps it; counts submits per job. */
    static final class HoldingBackend implements JobBackend {
        final Map<String, AtomicInteger> submits = new ConcurrentHashMap<>();

        public Backend kind() {
            return Backend.LAMBDA;
        }

        public boolean runtimeReportsProgress() {
            return true;
        }

        public SubmitOutcome submit(JobRecord job) {
            submits.computeIfAbsent(job.id(), k -> new AtomicInteger()).incrementAndGet();
            return new SubmitOutcome.Accepted("held:" + job.id(), "HELD");
        }

        public BackendStatus status(JobRecord job) {
            return new BackendStatus(JobState.QUEUED, "HELD", null);
        }

        public void cancel(JobRecord job) {
        }
    }

    public static void main(String[] args) throws Exception {
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        try (EmbeddedS3 server = EmbeddedS3.start(Files.createTempDirectory("soal-load"));
             S3Client s3 = S3Clients.create(server.settings())) {
            for (String b : List.of("soal-jobs", "soal-data", "soal-scripts", "soal-output")) {
                s3.createBucket(r -> r.bucket(b));
            }
            s3.putObject(r -> r.bucket("soal-data").key("listings.csv"), RequestBody.fromString("id,price\n1,100\n"));
            s3.putObject(r -> r.bucket("soal-scripts").key("neighbourhood_stats.sql"), RequestBody.fromString("SELECT 1"));
            Policies policies = PolicyLoader.defaults();
            HoldingBackend backend = new HoldingBackend();
            S3JobStore store = new S3JobStore(s3, S3Uri.parse("s3://soal-jobs/"));
            JobService jobs = new JobService(store, new InputMeasurer(s3, 8, Duration.ofSeconds(30)),
                    new RoutingPolicy(policies, Set.of(Backend.LAMBDA)), Map.of(Backend.LAMBDA, backend),
                    S3Uri.parse("s3://soal-output/jobs/"), Clock.systemUTC());
            try (LocalServer api = LocalServer.start(jobs, server, policies, 0, "bench-token", quiet)) {
                run(api, store, backend, s3);
            }
        }
    }

    static void run(LocalServer api, S3JobStore store, HoldingBackend backend, S3Client s3) throws Exception {
        Random random = new Random(42);
        List<String> keys = new ArrayList<>();
        List<String> plan = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            if (!keys.isEmpty() && random.nextDouble() < DUPLICATES) {
                plan.add(keys.get(random.nextInt(keys.size())));
            } else {
                String k = "load-" + i;
                keys.add(k);
                plan.add(k);
            }
        }
        HttpClient http = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(CONCURRENCY)).build();
        ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
        Map<String, Set<String>> idsByKey = new ConcurrentHashMap<>();
        Map<Integer, AtomicInteger> statuses = new TreeMap<>();
        long[] latencies = new long[REQUESTS];
        long t0 = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            int n = i;
            String key = plan.get(i);
            futures.add(pool.submit(() -> {
                String body = "{\"script\":\"s3://soal-scripts/neighbourhood_stats.sql\",\"inputs\":[\"s3://soal-data/listings.csv\"],"
                        + "\"arguments\":{\"n\":\"" + key + "\"},\"idempotencyKey\":\"" + key + "\"}";
                HttpRequest req = HttpRequest.newBuilder(URI.create(api.uri() + "/jobs"))
                        .header("Authorization", "Bearer " + api.token()).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                long s = System.nanoTime();
                HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
                latencies[n] = System.nanoTime() - s;
                synchronized (statuses) {
                    statuses.computeIfAbsent(res.statusCode(), c -> new AtomicInteger()).incrementAndGet();
                }
                Matcher m = JOB_ID.matcher(res.body());
                if (res.statusCode() == 202 && m.find()) {
                    idsByKey.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(m.group(1));
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(10, TimeUnit.MINUTES);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();

        long recorded = 0;
        for (var page : s3.listObjectsV2Paginator(r -> r.bucket("soal-jobs").prefix("jobs/"))) {
            recorded += page.contents().size();
        }
        long lost = keys.stream().filter(k -> !idsByKey.containsKey(k)).count();
        long splitKeys = idsByKey.values().stream().filter(s -> s.size() > 1).count();
        long doubleSubmits = backend.submits.values().stream().filter(c -> c.get() > 1).count();
        Arrays.sort(latencies);
        System.out.printf("jobs API load: %d POST /jobs (%d distinct keys, %d repeats) at concurrency %d in %.1f s = %.0f req/s%n",
                REQUESTS, keys.size(), REQUESTS - keys.size(), CONCURRENCY, seconds, REQUESTS / seconds);
        System.out.printf("latency: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n", pct(latencies, 50), pct(latencies, 90),
                pct(latencies, 99), latencies[latencies.length - 1] / 1e6);
        System.out.printf("statuses %s; jobs recorded %d; lost jobs %d; keys with two jobs %d; jobs submitted twice %d%n",
                statuses, recorded, lost, splitKeys, doubleSubmits);
        boolean ok = lost == 0 && splitKeys == 0 && doubleSubmits == 0 && recorded == keys.size()
                && backend.submits.size() == keys.size();
        System.out.println(ok ? "RESULT: ok (0 lost, 0 duplicate)" : "RESULT: FAILED");
        System.exit(ok ? 0 : 1);
    }

    static double pct(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
    }
}
