package dev.soal.router.serve;

import dev.soal.core.Json;
import dev.soal.policies.Policies;
import dev.soal.router.JobService;
import dev.soal.router.api.ApiRequest;
import dev.soal.router.api.ApiResponse;
import dev.soal.router.api.JobsApi;
import dev.soal.embedded.s3.EmbeddedS3;
import dev.soal.router.embedded.EmbeddedStack;
import dev.soal.router.triggers.S3EventNotifications;
import dev.soal.router.triggers.S3TriggerHandler;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.AbstractHandler;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.BlockingArrayQueue;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Enumeration;
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
 * embedded stack, and the jobs console's page beside it ({@link ConsoleFiles}, at {@code /}); and the S3 trigger: an object written under a trigger's bucket and prefix raises an
 * ObjectCreated event shaped as S3 sends it, handled by the same {@link S3TriggerHandler} as in AWS.
 *
 * <p>It behaves as a front door should: every answer, errors of the HTTP layer included (a malformed
 * request line or URI, a header too large, a client too slow), is {@code application/problem+json}; slow
 * or half-open clients are cut off (an idle timeout, and a deadline for the whole body) and cannot hold the workers,
 * which are bounded, with a bounded queue; path segments are decoded as paths ({@code +} stays {@code +}).
 */
public final class LocalServer implements AutoCloseable {
    public static final int DEFAULT_PORT = 8642;
    static final int THREADS = 32;
    static final int QUEUE = 512;
    static final int RECONCILE_BATCH = 1_000;
    /** A connection that sends or reads nothing for this long is closed. */
    static final int IDLE_TIMEOUT_MILLIS = 10_000;
    /**
     * A request body not read whole by then has its connection closed (a client trickling bytes). A
     * deadline, not a minimum rate: Jetty measures a rate from the first byte, so a small body read
     * after a wait in the queue would look slow.
     */
    static final long BODY_DEADLINE_MILLIS = 15_000;

    private final Server http;
    private final ExecutorService triggers;
    private final ScheduledExecutorService reconciler;
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(daemon("soal-http-deadline"));
    private final String token;
    private final JobsApi api;

    /** What the console's page is told of where it is served. */
    private final ConsoleFiles.Settings settings;

    private LocalServer(JobService jobs, dev.soal.router.logs.JobLogs logs, EmbeddedS3 s3, Policies policies, int port,
                        String token, PrintStream log) throws Exception {
        this.token = token;
        this.api = new JobsApi(jobs, logs);
        this.settings = ConsoleFiles.Settings.embedded(s3 == null ? null : s3.directory());
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

        QueuedThreadPool pool = new QueuedThreadPool(THREADS, 4, 60_000, new BlockingArrayQueue<>(64, 64, QUEUE));
        pool.setName("soal-http");
        pool.setDaemon(true);
        this.http = new Server(pool);
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        config.setSendDateHeader(true);
        config.setRequestHeaderSize(16 * 1024);
        ServerConnector connector = new ServerConnector(http, 1, 1, new HttpConnectionFactory(config));
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setIdleTimeout(IDLE_TIMEOUT_MILLIS);
        connector.setAcceptQueueSize(256);
        http.addConnector(connector);
        http.setHandler(new AbstractHandler() {
            @Override
            public void handle(String target, Request base, HttpServletRequest request, HttpServletResponse response)
                    throws IOException {
                base.setHandled(true);
                write(response, exchange(base, request));
            }
        });
        http.setErrorHandler(new ProblemErrorHandler());
        http.start();
    }

    /** Starts the server over the embedded stack; {@code token} null makes a random one. Port 0 picks a free port. */
    public static LocalServer start(EmbeddedStack stack, Policies policies, int port, String token, PrintStream log)
            throws IOException {
        return start(stack.jobs(), stack.logs(), stack.s3Server().orElse(null), policies, port, token, log);
    }

    /** Starts the server for {@code jobs}, with S3 triggers from {@code s3}'s writes (none when {@code s3} is null). */
    public static LocalServer start(JobService jobs, EmbeddedS3 s3, Policies policies, int port, String token, PrintStream log)
            throws IOException {
        return start(jobs, dev.soal.router.logs.JobLogs.none(), s3, policies, port, token, log);
    }

    /** The same, with the logs {@code GET /jobs/{id}/logs} reads. */
    public static LocalServer start(JobService jobs, dev.soal.router.logs.JobLogs logs, EmbeddedS3 s3, Policies policies, int port,
                                    String token, PrintStream log) throws IOException {
        String t = token != null ? token : HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        try {
            return new LocalServer(jobs, logs, s3, policies, port, t, log);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot start the jobs API on 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + ((ServerConnector) http.getConnectors()[0]).getLocalPort());
    }

    public String token() {
        return token;
    }

    /** The console's address, with the token for its page to take ({@code ?token=}, as Jupyter prints its own). */
    public URI consoleUri() {
        return URI.create(uri() + "/?token=" + token);
    }

    private ApiResponse exchange(Request base, HttpServletRequest request) {
        try {
            String where = base.getHttpURI().getDecodedPath();
            java.util.Optional<ApiResponse> file = ConsoleFiles.get(request.getMethod(), where == null ? "" : where, settings);
            if (file.isPresent()) {
                return file.get();
            }
            if (!authorized(request.getHeader("Authorization"))) {
                return new ApiResponse(401, Map.of("Content-Type", "application/problem+json",
                        "WWW-Authenticate", "Bearer realm=\"soal\""), Json.write(new JobsApi.Problem(
                        "https://soal.dev/problems/unauthorized", "Unauthorized", 401,
                        "send the token soal serve printed as 'Authorization: Bearer <token>'")));
            }
            String path = base.getHttpURI().getDecodedPath();
            String body;
            var deadline = deadlines.schedule(() -> base.getHttpChannel().getEndPoint().close(),
                    BODY_DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
            try {
                body = body(request);
            } finally {
                deadline.cancel(false);
            }
            return api.handle(new ApiRequest(request.getMethod(), path == null ? "" : path,
                    query(request.getQueryString()), headers(request), body));
        } catch (BadMessageException e) {
            return problem(e.getCode(), e.getCode() == 408 ? "too-slow" : "bad-request",
                    e.getCode() == 408 ? "Request too slow" : "Bad request", e.getReason());
        } catch (IOException e) {
            return problem(400, "bad-request", "Bad request", "the request body could not be read: " + e.getMessage());
        } catch (RuntimeException e) {
            return problem(400, "bad-request", "Bad request", String.valueOf(e.getMessage()));
        }
    }

    private static void write(HttpServletResponse response, ApiResponse r) throws IOException {
        byte[] out = r.body().getBytes(StandardCharsets.UTF_8);
        response.setStatus(r.status());
        r.headers().forEach(response::setHeader);
        response.setContentLength(out.length);
        response.getOutputStream().write(out);
    }

    static ApiResponse problem(int status, String slug, String title, String detail) {
        return new ApiResponse(status, Map.of("Content-Type", "application/problem+json"), Json.write(new JobsApi.Problem(
                "https://soal.dev/problems/" + slug, title, status, detail)));
    }

    /** The scheme is case-insensitive (RFC 9110); the token is compared in constant time. */
    private boolean authorized(String header) {
        if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(header.substring(7).trim().getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8));
    }

    /** At most one byte more than the API accepts: enough for it to answer 413. */
    private static String body(HttpServletRequest request) throws IOException {
        byte[] b = request.getInputStream().readNBytes(JobsApi.MAX_BODY_BYTES + 1);
        return b.length == 0 ? null : new String(b, StandardCharsets.UTF_8);
    }

    private static Map<String, String> headers(HttpServletRequest request) {
        Map<String, String> h = new LinkedHashMap<>();
        Enumeration<String> names = request.getHeaderNames();
        while (names.hasMoreElements()) {
            String name = names.nextElement();
            h.put(name, String.join(",", java.util.Collections.list(request.getHeaders(name))));
        }
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

    /** What Jetty itself answers (a malformed request line or URI, headers too large, ...), as a problem. */
    private static final class ProblemErrorHandler extends ErrorHandler {
        @Override
        public void handle(String target, Request base, HttpServletRequest request, HttpServletResponse response)
                throws IOException {
            base.setHandled(true);
            int status = response.getStatus() >= 400 ? response.getStatus() : 500;
            Object reason = request.getAttribute("jakarta.servlet.error.message");
            LocalServer.write(response, problem(status, status == 404 ? "not-found" : status >= 500 ? "internal" : "bad-request",
                    status == 404 ? "No such resource" : status >= 500 ? "Internal error" : "Bad request",
                    reason == null ? "the request could not be handled (HTTP " + status + ")" : reason.toString()));
        }

        @Override
        public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
            fields.put(HttpHeader.CONTENT_TYPE, "application/problem+json");
            return ByteBuffer.wrap(problem(status, status == 408 ? "too-slow" : "bad-request",
                    status == 431 ? "Headers too large" : "Bad request",
                    reason == null ? "the request could not be read" : reason).body().getBytes(StandardCharsets.UTF_8));
        }
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
        try {
            http.stop();
        } catch (Exception e) {
            // stopping anyway
        }
        reconciler.shutdownNow();
        deadlines.shutdownNow();
        triggers.shutdownNow();
    }

    /** The trigger rules, as the server prints them at start. */
    public static List<String> describe(Policies policies) {
        return policies.triggers().stream().map(t -> "s3://" + t.bucket() + "/" + t.prefix() + "*" + t.suffix()
                + " -> " + t.script()).toList();
    }
}
