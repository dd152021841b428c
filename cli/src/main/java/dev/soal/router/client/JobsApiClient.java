package dev.soal.router.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.soal.core.Json;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A client of the jobs API ({@code openapi.yaml}), the same for {@code soal serve} and for the deployed API: list, show,
 * cancel and submit, each answer as the API's JSON. An answer that is not 2xx throws {@link ApiException} with the
 * problem's status and detail.
 *
 * <pre>{@code
 * JobsApiClient api = new JobsApiClient(URI.create("http://127.0.0.1:8080/"), ApiAuth.bearer(token));
 * JsonNode page = api.list(Map.of("state", "RUNNING"));
 * }</pre>
 */
public final class JobsApiClient {
    private final URI base;
    private final ApiAuth auth;
    private final HttpClient http;

    /** The API's base address. */
    public URI base() {
        return base;
    }

    /** @param base the API's root, the one {@code jobs} is under ({@code http://127.0.0.1:8080/}, a stage's URL) */
    public JobsApiClient(URI base, ApiAuth auth) {
        String b = base.toString();
        this.base = URI.create(b.endsWith("/") ? b : b + "/");
        if (this.base.getScheme() == null || !(this.base.getScheme().equals("http") || this.base.getScheme().equals("https"))) {
            throw new IllegalArgumentException("the API's URL must be http:// or https://, but was '" + base + "'");
        }
        this.auth = auth;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** The API's answer could not be had, or was an error: its HTTP status (0 when none came) and what it said. */
    public static final class ApiException extends RuntimeException {
        private final int status;

        ApiException(int status, String message, Throwable cause) {
            super(message, cause);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /** {@code GET /jobs} with these query parameters (state, limit, nextToken; nulls left out). */
    public JsonNode list(Map<String, String> query) {
        String q = query.entrySet().stream().filter(e -> e.getValue() != null)
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return call("GET", "jobs" + (q.isEmpty() ? "" : "?" + q), null);
    }

    /** {@code GET /jobs/{id}}. */
    public JsonNode show(String jobId) {
        return call("GET", "jobs/" + path(jobId), null);
    }

    /** {@code GET /jobs/{id}/logs}: the last {@code lines} lines of each attempt's log. */
    public JsonNode logs(String jobId, int lines) {
        return call("GET", "jobs/" + path(jobId) + "/logs?lines=" + lines, null);
    }

    /** {@code DELETE /jobs/{id}}: cancels the job. */
    public JsonNode cancel(String jobId) {
        return call("DELETE", "jobs/" + path(jobId), null);
    }

    /** {@code POST /jobs} with this body ({@code ?dryRun=true}: the decision only). */
    public JsonNode submit(Map<String, Object> body, boolean dryRun) {
        Map<String, Object> b = new LinkedHashMap<>();
        body.forEach((k, v) -> {
            if (v != null) {
                b.put(k, v);
            }
        });
        return call("POST", "jobs" + (dryRun ? "?dryRun=true" : ""), Json.write(b).getBytes(StandardCharsets.UTF_8));
    }

    private static String path(String jobId) {
        if (!dev.soal.router.api.JobsApi.isJobId(jobId)) {
            throw new IllegalArgumentException("a job id is 1 to 128 letters, digits, '.', '_' or '-', but was '" + jobId + "'");
        }
        return jobId;
    }

    /** An answer as it came: its status, content type and body. */
    public record Answer(int status, String contentType, String body) {
    }

    /**
     * {@code method} on {@code relative} (a path under the API's root with its query, {@code jobs?state=RUNNING}), signed
     * as every call is, and its answer whatever its status: what a proxy forwards ({@code soal console}).
     */
    public Answer send(String method, String relative, byte[] body) {
        URI uri = base.resolve(relative);
        byte[] payload = body == null ? new byte[0] : body;
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(payload));
        Map<String, String> sent = new LinkedHashMap<>();
        sent.put("Accept", "application/json");
        if (body != null) {
            sent.put("Content-Type", "application/json");
        }
        sent.forEach(b::header);
        auth.headers(method, uri, sent, payload).forEach((k, vs) -> vs.forEach(v -> b.header(k, v)));
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse("application/json"), r.body());
        } catch (IOException e) {
            throw new ApiException(0, method + " " + uri + ": no answer (" + e.getMessage() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(0, method + " " + uri + ": interrupted", e);
        }
    }

    private JsonNode call(String method, String relative, byte[] body) {
        Answer r = send(method, relative, body);
        String where = method + " " + base.resolve(relative);
        JsonNode json = parse(r.body());
        if (r.status() / 100 != 2) {
            String said = json == null ? abbreviate(r.body())
                    : json.hasNonNull("detail") ? json.path("detail").asText()
                    : json.hasNonNull("message") ? json.path("message").asText() : abbreviate(r.body());
            throw new ApiException(r.status(), where + ": " + r.status() + " " + said, null);
        }
        if (json == null) {
            throw new ApiException(r.status(), where + ": the answer is not JSON: " + abbreviate(r.body()), null);
        }
        return json;
    }

    private static JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? null : Json.mapper().readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static String abbreviate(String s) {
        String t = s == null ? "" : s.strip();
        return t.length() <= 200 ? t : t.substring(0, 200) + "...";
    }
}
