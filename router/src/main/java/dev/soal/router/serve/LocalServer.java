package dev.soal.router.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.soal.core.Json;
import dev.soal.policies.Policies;
import dev.soal.router.api.ApiRequest;
import dev.soal.router.api.ApiResponse;
import dev.soal.router.api.JobsApi;
import dev.soal.router.JobService;
import dev.soal.router.embedded.EmbeddedS3;
import dev.soal.router.embedded.EmbeddedStack;
import dev.soal.router.triggers.S3EventNotifications;
import dev.soal.router.triggers.S3TriggerHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code soal serve}: the jobs API behind an HTTP server on loopback, with a bearer token, over the
 * embedded stack; and the S3 trigger: an object written under a trigger's bucket and prefix raises an
 * ObjectCreated event shaped as S3 sends it, handled by the same {@link S3TriggerHandler} as in AWS.
 */
public final class LocalServer implements AutoCloseable {
    public static final int DEFAULT_PORT = 8642;
    static final int THREADS = 16;
    static final int RECONCILE_BATCH = 1_000;

    private final HttpServer http;
    private final ExecutorService workers;
    private final ExecutorService triggers;
    private final ScheduledExecutorService reconciler;
    private final String token;
    private final JobsApi api;

    private LocalServer(JobService jobs, EmbeddedS3 s3, Policies policies, int port, String token, PrintStream log)
            throws IOException {
        this.token = token;
        this.api = new JobsApi(jobs);
        this.workers = Executors.newFixedThreadPool(THREADS, daemon("soal-http"));
        this.triggers = Executors.newSingleThreadExecutor(daemon("soal-s3-trigger"));
        this.reconciler = Executors.newSingleThreadScheduledExecutor(daemon("soal-reconcile"));
        S3TriggerHandler trigger = new S3TriggerHandler(jobs, policies);
        if (s3 != null) {
            s3.addListener((bucket, key, size, etag, how) -> {
            if (policies.triggerFor(bucket, key).isEmpty()) {
                return;
            }
            String event = S3EventNotifications.objectCreated(s3.settings().region(), bucket, key, size, etag, how);
            triggers.submit(() -> {
                try {
                    for (S3TriggerHandler.Outcome o : trigger.handle(event)) {
                        log.println("s3 trigger: " + o.object() + " -> " + o.result()
                                + (o.jobId() == null ? "" : " job " + o.jobId()) + " (" + o.detail() + ")");
                    }
                } catch (RuntimeException e) {
                    log.println("s3 trigger failed for s3://" + bucket + "/" + key + ": " + e.getMessage());
                }
            });
            });
        }
        // moves every unfinished job forward (resends, silent runs, timeouts); a failed sweep is retried next time
        reconciler.scheduleWithFixedDelay(() -> {
            try {
                jobs.reconcileUnfinished(RECONCILE_BATCH);
            } catch (RuntimeException e) {
                log.println("reconciler: sweep failed, retrying: " + e.getMessage());
            }
        }, 2, 2, TimeUnit.SECONDS);
        this.http = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 256);
        http.setExecutor(workers);
        http.createContext("/", this::exchange);
        http.start();
    }

    /** Starts the server over the embedded stack; {@code token} null makes a random one. Port 0 picks a free port. */
    public static LocalServer start(EmbeddedStack stack, Policies policies, int port, String token, PrintStream log)
            throws IOException {
        return start(stack.jobs(), stack.s3Server().orElse(null), policies, port, token, log);
    }

    /** Starts the server for {@code jobs}, with S3 triggers from {@code s3}'s writes (none when {@code s3} is null). */
    public static LocalServer start(JobService jobs, EmbeddedS3 s3, Policies policies, int port, String token, PrintStream log)
            throws IOException {
        String t = token != null ? token : HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        return new LocalServer(jobs, s3, policies, port, t, log);
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
    }

    public String token() {
        return token;
    }

    private void exchange(HttpExchange ex) throws IOException {
        ApiResponse response;
        try {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (!authorized(auth)) {
                response = new ApiResponse(401, Map.of("Content-Type", "application/problem+json",
                        "WWW-Authenticate", "Bearer realm=\"soal\""), Json.write(new JobsApi.Problem(
                        "https://soal.dev/problems/unauthorized", "Unauthorized", 401,
                        "send the token soal serve printed as 'Authorization: Bearer <token>'")));
            } else {
                response = api.handle(new ApiRequest(ex.getRequestMethod(), ex.getRequestURI().getRawPath() == null ? ""
                        : URLDecoder.decode(ex.getRequestURI().getRawPath(), StandardCharsets.UTF_8),
                        query(ex.getRequestURI().getRawQuery()), headers(ex), body(ex.getRequestBody())));
            }
        } catch (RuntimeException e) {
            response = new ApiResponse(400, Map.of("Content-Type", "application/problem+json"), Json.write(new JobsApi.Problem(
                    "https://soal.dev/problems/bad-request", "Bad request", 400, String.valueOf(e.getMessage()))));
        }
        byte[] out = response.body().getBytes(StandardCharsets.UTF_8);
        response.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ex.sendResponseHeaders(response.status(), out.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(out);
        }
    }

    private boolean authorized(String header) {
        if (header == null || !header.startsWith("Bearer ")) {
            return false;
        }
        return MessageDigest.isEqual(header.substring(7).trim().getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8));
    }

    /** At most one byte more than the API accepts: enough for it to answer 413. */
    private static String body(InputStream in) throws IOException {
        byte[] b = in.readNBytes(JobsApi.MAX_BODY_BYTES + 1);
        return b.length == 0 ? null : new String(b, StandardCharsets.UTF_8);
    }

    private static Map<String, String> headers(HttpExchange ex) {
        Map<String, String> h = new LinkedHashMap<>();
        ex.getRequestHeaders().forEach((k, v) -> h.put(k, String.join(",", v)));
        return h;
    }

    static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            q.putIfAbsent(k, v);
        }
        return q;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        http.stop(0);
        reconciler.shutdownNow();
        triggers.shutdownNow();
        workers.shutdownNow();
    }

    /** The trigger rules, as the server prints them at start. */
    public static List<String> describe(Policies policies) {
        return policies.triggers().stream().map(t -> "s3://" + t.bucket() + "/" + t.prefix() + "*" + t.suffix()
                + " -> " + t.script()).toList();
    }
}
