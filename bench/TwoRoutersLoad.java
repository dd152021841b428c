import dev.soal.adapters.s3.S3Clients;
import dev.soal.adapters.s3.S3JobStore;
import dev.soal.adapters.s3.S3Settings;
import dev.soal.core.JobRecord;
import dev.soal.core.S3Uri;
import dev.soal.embedded.s3.EmbeddedS3;
import dev.soal.router.embedded.SimulatedRuntime;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
 * REQUESTS POST /jobs at CONCURRENCY, alternating between them, 20% of them repeating an earlier
 * idempotency key. Jobs run on a stand-in runtime (--simulate-runs) that claims each job exactly as the
 * real runtime does and records every run it starts, so runs can be counted across processes.
 *
 * Round 1: both live. Round 2: the second server is killed with SIGKILL halfway; requests it can no
 * longer answer are retried on the first (same key, as a client behind a load balancer would). Checks:
 * exactly one job per key, no key without a job, every job that got a 202 terminal within 2 minutes
 * through the surviving server's reconciler, exactly one run per job.
 */
public final class TwoRoutersLoad {
    static final int REQUESTS = Integer.getInteger("requests", 2_000);
    static final int CONCURRENCY = Integer.getInteger("concurrency", 32);
    static final long RUN_MILLIS = Long.getLong("runMillis", 200);
    static final double DUPLICATES = 0.20;
    static final Duration DEADLINE = Duration.ofMinutes(2);
    static final Pattern JOB_ID = Pattern.compile("\"jobId\":\"([^\"]+)\"");
    static final String TOKEN = "bench-token";

    record Server(Process process, URI api, URI s3) {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(System.getProperty("soal.home", ".")).toAbsolutePath().normalize();
        boolean ok = round(root, false) & round(root, true);
        System.out.println(ok ? "RESULT: ok" : "RESULT: FAILED");
        System.exit(ok ? 0 : 1);
    }

    static boolean round(Path root, boolean kill) throws Exception {
        Path dir = Files.createTempDirectory("soal-two-routers");
        Server a = start(root, dir.resolve("a"), null);
        Server b = start(root, dir.resolve("b"), a.s3());
        S3Client s3 = S3Clients.create(new S3Settings(S3Settings.DEFAULT_REGION, a.s3(), EmbeddedS3.ACCESS_KEY, EmbeddedS3.SECRET_KEY));
        try {
            s3.putObject(r -> r.bucket("soal-data").key("listings.csv"), RequestBody.fromString("id,price\n1,100\n"));
            s3.putObject(r -> r.bucket("soal-scripts").key("neighbourhood_stats.sql"), RequestBody.fromString("SELECT 1"));
            return load(a, b, s3, kill);
        } finally {
            a.process().destroyForcibly();
            b.process().destroyForcibly();
            s3.close();
        }
    }

    static boolean load(Server a, Server b, S3Client s3, boolean kill) throws Exception {
        Random random = new Random(kill ? 7 : 42);
        List<String> keys = new ArrayList<>();
        List<String> plan = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            if (!keys.isEmpty() && random.nextDouble() < DUPLICATES) {
                plan.add(keys.get(random.nextInt(keys.size())));
            } else {
                String k = (kill ? "kill-" : "live-") + i;
                keys.add(k);
                plan.add(k);
            }
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newFixedThreadPool(CONCURRENCY)).build();
        ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
        Map<String, Set<String>> idsByKey = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        AtomicInteger sent = new AtomicInteger();
        long[] killedAt = {0};
        long[] latencies = new long[REQUESTS];
        long t0 = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            int n = i;
            String key = plan.get(i);
            futures.add(pool.submit(() -> {
                if (kill && sent.incrementAndGet() == REQUESTS / 2) {
                    b.process().destroyForcibly(); // SIGKILL: no shutdown hook, no goodbye
                    killedAt[0] = System.nanoTime();
                }
                String body = "{\"script\":\"s3://soal-scripts/neighbourhood_stats.sql\",\"inputs\":[\"s3://soal-data/listings.csv\"],"
                        + "\"arguments\":{\"n\":\"" + key + "\"},\"idempotencyKey\":\"" + key + "\"}";
                Server first = n % 2 == 0 ? a : b;
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
        // a run starts when a runtime claims the job (a RUNNING entry in its history); the stand-in then
        // records each execution, so a claim that failed to keep a second runtime out would show as two
        Map<String, Long> states = new TreeMap<>();
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
        System.out.printf("%n== round %s: %d POST /jobs (%d distinct keys, %d repeats) over two servers, concurrency %d,"
                        + " %.1f s = %.0f req/s%n", kill ? "2 (second server SIGKILLed halfway)" : "1 (both live)",
                REQUESTS, keys.size(), REQUESTS - keys.size(), CONCURRENCY, seconds, REQUESTS / seconds);
        System.out.printf("latency: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n", pct(latencies, 50),
                pct(latencies, 90), pct(latencies, 99), latencies[latencies.length - 1] / 1e6);
        System.out.printf("answers %s%n", new TreeMap<>(outcomes));
        System.out.printf("jobs accepted %d; states %s; all terminal %.1f s after the %s (limit %d s); still unfinished %d%n",
                accepted.size(), states, settled, kill ? "kill" : "last request", DEADLINE.toSeconds(), unfinished.size());
        System.out.printf("keys without a job %d; keys with two jobs %d; jobs without exactly one run %d;"
                        + " jobs executed twice %d; runs of unknown jobs %d%n", lost, splitKeys, notOneRun, doubleExecutions, strayRuns);
        accepted.stream().filter(id -> claims.get(id) != 1L || runs.getOrDefault(id, 0L) > 1L).limit(10).forEach(id -> System.out.printf(
                "  job %s: %d run(s); %s%n", id, runs.getOrDefault(id, 0L), store.get(id).map(j -> j.state() + " "
                        + j.history().stream().map(h -> h.state() + "(" + h.message() + ")").toList()).orElse("missing")));
        return lost == 0 && splitKeys == 0 && unfinished.isEmpty() && notOneRun == 0 && doubleExecutions == 0 && strayRuns == 0;
    }

    static List<String> unfinished(S3JobStore store, Set<String> ids) {
        List<CompletableFuture<String>> checks = ids.stream().map(id -> CompletableFuture.supplyAsync(() ->
                store.get(id).map(JobRecord::state).filter(s -> s.isTerminal()).isPresent() ? null : id)).toList();
        return checks.stream().map(CompletableFuture::join).filter(id -> id != null).toList();
    }

    static HttpResponse<String> post(HttpClient http, Server to, String body) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(to.api() + "/jobs")).timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            return null;
        }
    }

    /** Starts `soal serve` as its own process and reads its API and S3 addresses from what it prints. */
    static Server start(Path root, Path home, URI joinS3) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dsoal.home=" + root, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), "dev.soal.router.cli.SoalCli", "serve", "--port", "0",
                "--home", home.toString(), "--token", TOKEN, "--simulate-runs", String.valueOf(RUN_MILLIS)));
        if (joinS3 != null) {
            cmd.addAll(List.of("--s3-endpoint", joinS3.toString()));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        URI api = null;
        URI s3 = null;
        Pattern apiLine = Pattern.compile("jobs API on (http://\\S+)/jobs");
        Pattern s3Line = Pattern.compile("(?:embedded S3 at|joined the S3 server at) (http://\\S+)");
        String line;
        while ((api == null || s3 == null) && (line = out.readLine()) != null) {
            Matcher m = apiLine.matcher(line);
            if (m.find()) {
                api = URI.create(m.group(1));
            }
            m = s3Line.matcher(line);
            if (m.find()) {
                s3 = URI.create(m.group(1));
            }
        }
        if (api == null || s3 == null) {
            throw new IllegalStateException("soal serve did not start: " + cmd);
        }
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "drain");
        drain.setDaemon(true);
        drain.start();
        return new Server(p, api, s3);
    }

    static double pct(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
    }
}
