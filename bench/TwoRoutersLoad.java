import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.s3.S3JobStore;
import dev.soal.adapters.s3.S3Settings;
import dev.soal.core.JobRecord;
import dev.soal.core.S3Uri;
import dev.soal.embedded.s3.EmbeddedS3;
import dev.soal.router.embedded.SimulatedRuntime;
import dev.soal.router.serve.ServeProcess;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Two `soal serve` processes share one embedded S3 (the second joins with --s3-endpoint) and take
 * POST /jobs at a concurrency, alternating between them, 20% of them repeating an earlier idempotency key.
 *
 * Rounds 1 and 2 run jobs on a stand-in runtime (--simulate-runs) that claims each job exactly as the real
 * runtime does and records every run it starts, so runs can be counted across processes: REQUESTS at
 * CONCURRENCY, both live, then with the second server killed (SIGKILL) halfway. Round 3 runs real jobs on the
 * local Lambda service (LAMBDA_REQUESTS at LAMBDA_CONCURRENCY, a one-line query over a tiny CSV), the second
 * server killed halfway: it hands its invocations to the first server's Lambda service, so what it accepted
 * outlives it. Requests the killed server can no longer answer are retried on the first (same key, as a
 * client behind a load balancer would). Checks: exactly one job per key, no key without a job, every job
 * that got a 202 SUCCEEDED within 2 minutes (of the kill, or of the last request), exactly one run (one claim,
 * and in rounds 1-2 one recorded execution) per job.
 */
public final class TwoRoutersLoad {
    static final int REQUESTS = Integer.getInteger("requests", 2_000);
    static final int CONCURRENCY = Integer.getInteger("concurrency", 32);
    static final int LAMBDA_REQUESTS = Integer.getInteger("lambdaRequests", 60);
    static final int LAMBDA_CONCURRENCY = Integer.getInteger("lambdaConcurrency", 8);
    static final long RUN_MILLIS = Long.getLong("runMillis", 200);
    static final double DUPLICATES = 0.20;
    static final Duration DEADLINE = Duration.ofMinutes(2);
    static final Pattern JOB_ID = Pattern.compile("\"jobId\":\"([^\"]+)\"");
    static final String TOKEN = "bench-token";

    /** One round: how many requests at what concurrency, whether the second server is killed halfway, and on what runtime. */
    record Round(String name, int requests, int concurrency, boolean kill, boolean simulated) {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(System.getProperty("soal.home", ".")).toAbsolutePath().normalize();
        boolean ok = round(root, new Round("1 (both live)", REQUESTS, CONCURRENCY, false, true))
                & round(root, new Round("2 (second server SIGKILLed halfway)", REQUESTS, CONCURRENCY, true, true))
                & round(root, new Round("3 (real local Lambda service, second server SIGKILLed halfway)", LAMBDA_REQUESTS,
                LAMBDA_CONCURRENCY, true, false));
        System.out.println(ok ? "RESULT: ok" : "RESULT: FAILED");
        System.exit(ok ? 0 : 1);
    }

    static boolean round(Path root, Round round) throws Exception {
        Path dir = Files.createTempDirectory("soal-two-routers");
        List<String> simulate = round.simulated() ? List.of("--simulate-runs", String.valueOf(RUN_MILLIS)) : List.of();
        ServeProcess a = ServeProcess.start(root, dir.resolve("a"), TOKEN, simulate);
        List<String> join = new ArrayList<>(simulate);
        join.addAll(List.of("--s3-endpoint", a.s3().toString()));
        ServeProcess b = ServeProcess.start(root, dir.resolve("b"), TOKEN, join);
        S3Client s3 = S3Clients.create(new S3Settings(S3Settings.DEFAULT_REGION, a.s3(), EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY));
        try {
            s3.putObject(r -> r.bucket("soal-data").key("listings.csv"), RequestBody.fromString("id,price\n1,100\n2,120\n"));
            s3.putObject(r -> r.bucket("soal-scripts").key("count.sql"),
                    RequestBody.fromString("SELECT count(*) AS listings FROM csv.`${input}`"));
            return load(a, b, s3, round);
        } finally {
            b.process().destroyForcibly();
            a.close(); // as Ctrl-C: its Lambda environments stop with it
            s3.close();
        }
    }

    static boolean load(ServeProcess a, ServeProcess b, S3Client s3, Round round) throws Exception {
        boolean kill = round.kill();
        int requests = round.requests();
        Random random = new Random(kill ? 7 : 42);
        List<String> keys = new ArrayList<>();
        List<String> plan = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            if (!keys.isEmpty() && random.nextDouble() < DUPLICATES) {
                plan.add(keys.get(random.nextInt(keys.size())));
            } else {
                String k = (kill ? "kill-" : "live-") + (round.simulated() ? "" : "lambda-") + i;
                keys.add(k);
                plan.add(k);
            }
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newFixedThreadPool(round.concurrency())).build();
        ExecutorService pool = Executors.newFixedThreadPool(round.concurrency());
        Map<String, Set<String>> idsByKey = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        AtomicInteger sent = new AtomicInteger();
        long[] killedAt = {0};
        long[] latencies = new long[requests];
        long t0 = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            int n = i;
            String key = plan.get(i);
            futures.add(pool.submit(() -> {
                if (kill && sent.incrementAndGet() == requests / 2) {
                    b.process().destroyForcibly(); // SIGKILL: no shutdown hook, no goodbye
                    killedAt[0] = System.nanoTime();
                }
                String body = "{\"script\":\"s3://soal-scripts/count.sql\",\"inputs\":[\"s3://soal-data/listings.csv\"],"
                        + "\"arguments\":{\"n\":\"" + key + "\"},\"idempotencyKey\":\"" + key + "\"}";
                ServeProcess first = n % 2 == 0 ? a : b;
                long s = System.nanoTime();
                HttpResponse<String> res = post(http, first, body);
                String outcome = first == a ? "a" : "b";
                if (res == null && first == b) {
                    res = post(http, a, body); // the second server is gone: the client retries the same key on the first
                    outcome = "b-retried-on-a";
                }
                latencies[n] = System.nanoTime() - s;
                outcomes.computeIfAbsent(outcome + ":" + (res == null ? "no answer" : res.statusCode()), k -> new AtomicInteger())
                        .incrementAndGet();
                if (res != null && res.statusCode() == 202) {
                    Matcher m = JOB_ID.matcher(res.body());
                    if (m.find()) {
                        idsByKey.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(m.group(1));
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(10, TimeUnit.MINUTES);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        long loadEnded = System.nanoTime();

        S3JobStore store = new S3JobStore(s3, S3Uri.parse("s3://soal-jobs/"));
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        idsByKey.values().forEach(accepted::addAll);
        long since = kill ? killedAt[0] : loadEnded;
        long deadline = since + DEADLINE.toNanos();
        List<String> unfinished = List.of();
        while (System.nanoTime() < deadline) {
            unfinished = unfinished(store, accepted);
            if (unfinished.isEmpty()) {
                break;
            }
            Thread.sleep(1_000);
        }
        double settled = (System.nanoTime() - since) / 1e9;
        Map<String, Long> runs = new TreeMap<>();
        for (var page : s3.listObjectsV2Paginator(r -> r.bucket("soal-jobs").prefix(SimulatedRuntime.RUNS_PREFIX))) {
            for (S3Object o : page.contents()) {
                if (o.key().endsWith("/")) {
                    continue; // the embedded S3 lists its folders too
                }
                String id = o.key().substring(SimulatedRuntime.RUNS_PREFIX.length(), o.key().lastIndexOf('/'));
                runs.merge(id, 1L, Long::sum);
            }
        }
        // the stand-in records each execution, so a claim that failed to keep a second runtime out would show as two
        Map<String, Long> states = new TreeMap<>();
        // a run starts when a runtime claims the job (a RUNNING entry in its history)
        Map<String, Long> claims = new ConcurrentHashMap<>();
        for (String id : accepted) {
            JobRecord j = store.get(id).orElse(null);
            states.merge(j == null ? "MISSING" : j.state().name(), 1L, Long::sum);
            claims.put(id, j == null ? 0 : j.history().stream().filter(h -> h.state() == dev.soal.core.JobState.RUNNING).count());
        }
        long lost = keys.stream().filter(k -> !idsByKey.containsKey(k)).count();
        long splitKeys = idsByKey.values().stream().filter(s -> s.size() > 1).count();
        long notOneRun = accepted.stream().filter(id -> claims.get(id) != 1L).count();
        long doubleExecutions = accepted.stream().filter(id -> runs.getOrDefault(id, 0L) > 1L).count();
        long strayRuns = runs.keySet().stream().filter(id -> !accepted.contains(id)).count();
        Arrays.sort(latencies);
        // a stand-in runtime runs inside its router, so the runs a killed router had going die with it and end FAILED
        // (runtime stopped reporting); a real Lambda environment outlives any router, so there every job must succeed
        long notSucceeded = states.entrySet().stream().filter(e -> !e.getKey().equals("SUCCEEDED")).mapToLong(Map.Entry::getValue).sum();
        System.out.printf("%n== round %s: %d POST /jobs (%d distinct keys, %d repeats) over two servers, concurrency %d,"
                        + " %.1f s = %.0f req/s%n", round.name(), requests, keys.size(), requests - keys.size(),
                round.concurrency(), seconds, requests / seconds);
        System.out.printf("latency: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n", pct(latencies, 50),
                pct(latencies, 90), pct(latencies, 99), latencies[latencies.length - 1] / 1e6);
        System.out.printf("answers %s%n", new TreeMap<>(outcomes));
        System.out.printf("jobs accepted %d; states %s; all terminal %.1f s after the %s (limit %d s); still unfinished %d%n",
                accepted.size(), states, settled, kill ? "kill" : "last request", DEADLINE.toSeconds(), unfinished.size());
        System.out.printf("keys without a job %d; keys with two jobs %d; jobs not SUCCEEDED %d; jobs without exactly one claim %d%s%n",
                lost, splitKeys, notSucceeded, notOneRun, round.simulated() ? String.format("; jobs executed twice %d;"
                        + " runs of unknown jobs %d", doubleExecutions, strayRuns) : "");
        accepted.stream().filter(id -> claims.get(id) != 1L || runs.getOrDefault(id, 0L) > 1L).limit(10).forEach(id -> System.out.printf(
                "  job %s: %d run(s); %s%n", id, runs.getOrDefault(id, 0L), store.get(id).map(j -> j.state() + " "
                        + j.history().stream().map(h -> h.state() + "(" + h.message() + ")").toList()).orElse("missing")));
        accepted.stream().map(id -> store.get(id).orElse(null)).filter(j -> j != null && j.state() != dev.soal.core.JobState.SUCCEEDED)
                .limit(5).forEach(j -> System.out.printf("  job %s %s: %s%n", j.id(), j.state(), j.message()));
        return lost == 0 && splitKeys == 0 && unfinished.isEmpty() && (round.simulated() || notSucceeded == 0) && notOneRun == 0
                && doubleExecutions == 0 && strayRuns == 0 && !accepted.isEmpty();
    }

    static List<String> unfinished(S3JobStore store, Set<String> ids) {
        List<CompletableFuture<String>> checks = ids.stream().map(id -> CompletableFuture.supplyAsync(() ->
                store.get(id).map(JobRecord::state).filter(s -> s.isTerminal()).isPresent() ? null : id)).toList();
        return checks.stream().map(CompletableFuture::join).filter(id -> id != null).toList();
    }

    static HttpResponse<String> post(HttpClient http, ServeProcess to, String body) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(to.api() + "/jobs")).timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            return null;
        }
    }

    static double pct(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
    }
}
