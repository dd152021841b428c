package dev.soal.router.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.soal.router.api.ApiResponse;
import dev.soal.router.client.JobsApiClient;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code soal console}: the jobs console on loopback for an API elsewhere (a deployed stack's, or another {@code soal
 * serve}), as {@code kubectl proxy} does: the page's files from here, its API calls ({@code /jobs...}) sent on through
 * {@link JobsApiClient}, signed with the user's credentials (SigV4) or the remote token. Nothing new is deployed and
 * nothing is public; the page must show this proxy's own token, so another local process or a web page cannot use
 * the user's credentials through it.
 */
public final class ConsoleProxy implements AutoCloseable {
    private final HttpServer http;
    private final ExecutorService workers = Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "soal-console-proxy");
        t.setDaemon(true);
        return t;
    });
    private final JobsApiClient remote;
    private final String token = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));

    private final ConsoleFiles.Settings settings;

    private ConsoleProxy(JobsApiClient remote, int port, boolean aws) throws IOException {
        this.remote = remote;
        this.settings = ConsoleFiles.Settings.aws(aws);
        this.http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        http.setExecutor(workers);
        http.createContext("/", this::handle);
        http.start();
    }

    /** Serves the console on 127.0.0.1:{@code port} (0: any free port) for the API {@code remote} talks to. */
    public static ConsoleProxy start(JobsApiClient remote, int port) throws IOException {
        return start(remote, port, false);
    }

    /** @param aws the API is a deployed stack's: the page links the S3 objects it names to the AWS console */
    public static ConsoleProxy start(JobsApiClient remote, int port, boolean aws) throws IOException {
        return new ConsoleProxy(remote, port, aws);
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
    }

    /** The page's address, with this proxy's token. */
    public URI consoleUri() {
        return URI.create(uri() + "/?token=" + token);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            String method = ex.getRequestMethod();
            java.util.Optional<ApiResponse> file = ConsoleFiles.get(method, ex.getRequestURI().getPath(), settings);
            if (file.isPresent()) {
                reply(ex, file.get().status(), file.get().headers(), method.equals("HEAD") ? null : file.get().body());
                return;
            }
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7) || !MessageDigest.isEqual(
                    auth.substring(7).trim().getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
                problem(ex, 401, "unauthorized", "Unauthorized", "open the address soal console printed (it carries the token)");
                return;
            }
            if (!(path.equals("/jobs") || path.startsWith("/jobs/"))) {
                problem(ex, 404, "not-found", "No such resource", "soal console passes on the jobs API (/jobs...) only");
                return;
            }
            byte[] body = ex.getRequestBody().readNBytes(dev.soal.router.api.JobsApi.MAX_BODY_BYTES + 1);
            String query = ex.getRequestURI().getRawQuery();
            JobsApiClient.Answer a;
            try {
                a = remote.send(method, path.substring(1) + (query == null ? "" : "?" + query), body.length == 0 ? null : body);
            } catch (JobsApiClient.ApiException e) {
                problem(ex, 502, "bad-gateway", "Bad gateway", e.getMessage());
                return;
            }
            reply(ex, a.status(), Map.of("Content-Type", a.contentType()), a.body());
        }
    }

    private static void problem(HttpExchange ex, int status, String slug, String title, String detail) throws IOException {
        ApiResponse p = LocalServer.problem(status, slug, title, detail);
        reply(ex, p.status(), p.headers(), p.body());
    }

    private static void reply(HttpExchange ex, int status, Map<String, String> headers, String body) throws IOException {
        byte[] out = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ex.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            ex.getResponseBody().write(out);
        }
    }

    @Override
    public void close() {
        http.stop(0);
        workers.shutdownNow();
    }
}
